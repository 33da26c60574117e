"""Apps: created by the API from an app file, changed by every service."""

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_utils import timeutils
from oslo_utils import uuidutils

from solum.common import exception
from solum.db import engine
from solum.db import models
from solum.db import query as q


def create_app(context, values):
    values = dict(values)
    values.setdefault('uuid', uuidutils.generate_uuid())
    values.setdefault('trigger_uuid', uuidutils.generate_uuid())
    values['project_id'] = context.project_id
    values['user_id'] = context.user_id
    app = models.App(**values)
    try:
        with engine.writer(context) as session:
            session.add(app)
            session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.AlreadyExists(resource='app', name=values['name'])
    return app


def get_app(context, ident):
    """An app by uuid (within the caller's projects) or name (within the
    caller's own project)."""
    return q.get_by_ident(context, models.App, ident, 'App')


def get_app_by_id(context, app_id):
    with engine.reader(context) as session:
        app = session.get(models.App, app_id)
    if app is None:
        raise exception.NotFound(resource='App', id=app_id)
    return app


def list_apps(context, limit=None, marker=None, all_projects=False):
    """Apps as read-only rows (attribute access like the model): listing
    skips the ORM's per-object bookkeeping, the hot path of GET /v1/apps."""
    with engine.reader(context) as session:
        query = q.scoped(sa.select(*models.App.__table__.columns),
                         models.App, context, all_projects)
        query = q.paginate(session, query, models.App, limit, marker)
        return list(session.execute(query))


def list_app_revisions(context, limit=None, marker=None,
                       all_projects=False):
    """(uuid, revision) of the apps a listing shows, in order."""
    with engine.reader(context) as session:
        query = q.scoped(sa.select(models.App.uuid, models.App.revision),
                         models.App, context, all_projects)
        query = q.paginate(session, query, models.App, limit, marker)
        return [tuple(row) for row in session.execute(query)]


def get_apps_by_uuid(context, uuids):
    """Rows of the apps a listing already chose (by list_app_revisions,
    in the caller's scope)."""
    with engine.reader(context) as session:
        return list(session.execute(
            sa.select(*models.App.__table__.columns)
            .where(models.App.uuid.in_(list(uuids)))))


def update_app(context, ident, values):
    with engine.writer(context) as session:
        app = session.scalars(q.by_ident(models.App, context,
                                         ident)).first()
        if app is None:
            raise exception.NotFound(resource='App', id=ident)
        for key, value in values.items():
            setattr(app, key, value)
        app.revision = models.App.revision + 1
        try:
            session.flush()
        except db_exc.DBDuplicateEntry:
            raise exception.AlreadyExists(resource='app',
                                          name=values.get('name'))
        return app


def _update_app(context, app_id, **values):
    with engine.writer(context) as session:
        session.execute(sa.update(models.App)
                        .where(models.App.id == app_id)
                        .values(**q.app_change(**values)))


def set_app_status(context, app_id, status):
    _update_app(context, app_id, status=status)


def set_app_url(context, app_id, app_url):
    _update_app(context, app_id, app_url=app_url)


def request_scale(context, app_id):
    """Number a new scale request of an app: 1, 2, ... in the order the
    API accepts them."""
    with engine.writer(context) as session:
        # A guarded increment, as workflows are numbered.
        while True:
            current = session.scalar(sa.select(models.App.scale_requested)
                                     .where(models.App.id == app_id))
            if current is None:
                raise exception.NotFound(resource='App', id=app_id)
            if session.execute(
                    sa.update(models.App)
                    .where(models.App.id == app_id)
                    .where(models.App.scale_requested == current)
                    .values(scale_requested=current + 1)).rowcount == 1:
                return current + 1


def apply_scale(context, app_id, serial, release_id, replicas):
    """Record scale request ``serial`` as applied, with its replicas as
    the release's target, unless a later request was applied already:
    False then, and nothing changes."""
    with engine.writer(context) as session:
        if not session.execute(
                sa.update(models.App)
                .where(models.App.id == app_id)
                .where(models.App.scale_applied < serial)
                .values(scale_applied=serial)).rowcount:
            return False
        session.execute(sa.update(models.Release)
                        .where(models.Release.id == release_id)
                        .values(replicas=replicas,
                                updated_at=timeutils.utcnow()))
        return True


def destroy_app(context, app_id):
    """Remove an app with its workflows, transitions, releases and logs."""
    with engine.writer(context) as session:
        wf_uuids = list(session.scalars(
            sa.select(models.Workflow.uuid)
            .where(models.Workflow.app_id == app_id)))
        # Scaling and autoscaling events are logged under the app itself.
        log_uuids = wf_uuids + list(session.scalars(
            sa.select(models.App.uuid).where(models.App.id == app_id)))
        wf_ids = sa.select(models.Workflow.id).where(
            models.Workflow.app_id == app_id)
        # Explicit deletes: SQLite only cascades with foreign_keys=ON.
        session.execute(sa.delete(models.WorkflowTransition).where(
            models.WorkflowTransition.workflow_id.in_(wf_ids)))
        if log_uuids:
            session.execute(sa.delete(models.LogLine).where(
                models.LogLine.resource_uuid.in_(log_uuids)))
        session.execute(sa.delete(models.Workflow).where(
            models.Workflow.app_id == app_id))
        session.execute(sa.delete(models.Release).where(
            models.Release.app_id == app_id))
        session.execute(sa.delete(models.App).where(models.App.id == app_id))


def count_apps(context):
    return q.count_in_project(context, models.App)


def apps_using_language_pack(context, lp_name, project_id):
    with engine.reader(context) as session:
        return list(session.scalars(
            sa.select(models.App.name)
            .where(models.App.project_id == project_id)
            .where(models.App.languagepack == lp_name)))
