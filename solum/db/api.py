"""Database access. Every query is scoped by the caller's project unless the
context may see all projects, so one project cannot read another's rows."""

import contextlib
import threading

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_db.sqlalchemy import enginefacade
from oslo_utils import timeutils
from oslo_utils import uuidutils
from sqlalchemy import event

from solum import conf
from solum.common import context as solum_context
from solum.common import exception
from solum.db import models
from solum.db import types

CONF = conf.CONF


def _new_context_manager():
    return enginefacade.transaction_context()


_context_manager = _new_context_manager()
_configured = threading.Lock()
_local = threading.local()
_listeners_installed = False


def _sqlite_connect(dbapi_connection, _record):
    # WAL lets readers run while the conductor writes; busy_timeout waits
    # for a lock instead of failing with "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute('PRAGMA busy_timeout=30000')
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.close()


def _sqlite_begin_immediate(conn, cursor, statement, parameters, context,
                            executemany):
    # oslo.db starts SQLite transactions with a deferred BEGIN. One that
    # reads and then writes fails at once with "database is locked" when
    # another connection wrote in between (its snapshot cannot be
    # upgraded); BEGIN IMMEDIATE takes the write lock up front and waits
    # for it (busy_timeout) instead.
    # Readers keep the deferred BEGIN: in WAL mode they never block.
    if statement == 'BEGIN' and getattr(_local, 'writing', False):
        statement = 'BEGIN IMMEDIATE'
    return statement, parameters


def get_engine():
    if not _listeners_installed:
        _set_up_engine()
    return _context_manager.writer.get_engine()


def _set_up_engine():
    global _listeners_installed
    with _configured:
        if _listeners_installed:
            return
        url = CONF.database.connection or ''
        file_sqlite = url.startswith('sqlite') and ':memory:' not in url
        if file_sqlite:
            # Pooled connections move between threads (see below).
            _context_manager.configure(
                connection_parameters='check_same_thread=false')
        engine = _context_manager.writer.get_engine()
        if engine.dialect.name == 'sqlite':
            # WAL is a property of the database file: set it once.
            raw = engine.raw_connection()
            try:
                raw.cursor().execute('PRAGMA journal_mode=WAL')
            finally:
                raw.close()
            event.listen(engine, 'connect', _sqlite_connect)
            event.listen(engine, 'before_cursor_execute',
                         _sqlite_begin_immediate, retval=True)
            engine.dispose()  # reconnect so the pragmas apply
            if file_sqlite:
                engine.pool = _pooled(engine)
        _listeners_installed = True


def _pooled(engine):
    """oslo.db gives file SQLite a NullPool: a new connection, with its
    pragmas, for every transaction, the largest cost of a small request.
    Keep connections in a QueuePool (SQLAlchemy's own default for file
    SQLite), with the same connect hooks."""
    return sa.pool.QueuePool(
        engine.pool._creator, pool_size=CONF.database.max_pool_size or 5,
        max_overflow=CONF.database.max_overflow or 10,
        dialect=engine.dialect, _dispatch=engine.pool.dispatch)


def reset_engine():
    """Forget the engine (tests point the same process at a new database)."""
    global _context_manager, _listeners_installed
    _context_manager = _new_context_manager()
    _listeners_installed = False


@contextlib.contextmanager
def _write(context):
    """A writer session; on SQLite its transaction begins IMMEDIATE."""
    get_engine()
    _local.writing = True
    try:
        with _context_manager.writer.using(_ctx(context)) as session:
            yield session
    finally:
        _local.writing = False


@contextlib.contextmanager
def _read(context):
    get_engine()
    with _context_manager.reader.using(_ctx(context)) as session:
        yield session


class _Detached:
    """Holder for enginefacade's transaction state when no request
    context is at hand (the conductor's own work)."""


def _ctx(context):
    return context if context is not None else _Detached()


def _scoped(query, model, context, all_projects=None):
    if all_projects is None:
        all_projects = context is None or context.all_projects
    if not all_projects:
        query = query.where(model.project_id == context.project_id)
    return query


def _is_uuid(value):
    return uuidutils.is_uuid_like(value)


def _findable(value):
    """Could ``value`` name a row? PostgreSQL refuses a NUL in any string,
    so such a lookup would fail rather than find nothing."""
    return isinstance(value, str) and '\x00' not in value


def _by_ident(model, context, ident):
    """A query for a row by uuid, in the caller's projects (every project
    for an administrator), or by name, only ever in the caller's own
    project: names are unique per project, so across projects a name
    would pick some other project's row."""
    if _is_uuid(ident):
        return _scoped(sa.select(model).where(model.uuid == ident), model,
                       context)
    project_id = context.project_id if context is not None else None
    return (sa.select(model).where(model.name == ident)
            .where(model.project_id == project_id))


def _in_column(number):
    """May ``number`` be a positive id of an Integer column? Outside it
    cannot name a row, and SQLite cannot even compare it."""
    return 0 < number <= types.INT32_MAX


# ---------------------------------------------------------------- apps

def create_app(context, values):
    values = dict(values)
    values.setdefault('uuid', uuidutils.generate_uuid())
    values.setdefault('trigger_uuid', uuidutils.generate_uuid())
    values['project_id'] = context.project_id
    values['user_id'] = context.user_id
    app = models.App(**values)
    try:
        with _write(context) as session:
            session.add(app)
            session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.AlreadyExists(resource='app', name=values['name'])
    return app


def get_app(context, ident):
    """An app by uuid (within the caller's projects) or name (within the
    caller's own project)."""
    app = None
    if _findable(ident):
        with _read(context) as session:
            app = session.scalars(_by_ident(models.App, context,
                                            ident)).first()
    if app is None:
        raise exception.NotFound(resource='App', id=ident)
    return app


def list_apps(context, limit=None, marker=None, all_projects=False):
    """Apps as read-only rows (attribute access like the model): listing
    skips the ORM's per-object bookkeeping, the hot path of GET /v1/apps."""
    with _read(context) as session:
        query = _scoped(sa.select(*models.App.__table__.columns), models.App,
                        context, all_projects)
        query = _paginate(session, query, models.App, limit, marker)
        return list(session.execute(query))


def list_app_revisions(context, limit=None, marker=None,
                       all_projects=False):
    """(uuid, revision) of the apps a listing shows, in order."""
    with _read(context) as session:
        query = _scoped(sa.select(models.App.uuid, models.App.revision),
                        models.App, context, all_projects)
        query = _paginate(session, query, models.App, limit, marker)
        return [tuple(row) for row in session.execute(query)]


def get_apps_by_uuid(uuids):
    with _read(None) as session:
        return list(session.execute(
            sa.select(*models.App.__table__.columns)
            .where(models.App.uuid.in_(list(uuids)))))


def _paginate(session, query, model, limit, marker):
    if marker is not None:
        # The marker is looked up in the list itself: another project's
        # (or app's) item is as unknown as one that does not exist.
        marker_id = None
        if _findable(marker):
            marker_id = session.scalar(query.with_only_columns(model.id)
                                       .where(model.uuid == marker))
        if marker_id is None:
            raise exception.BadRequest(
                reason='marker %s does not name an item of this list' %
                marker)
        query = query.where(model.id > marker_id)
    query = query.order_by(model.id)
    if limit is not None:
        query = query.limit(limit)
    return query


def update_app(context, ident, values):
    with _write(context) as session:
        app = session.scalars(_by_ident(models.App, context,
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


def _app_change(**values):
    """Values of an UPDATE of apps: every change bumps the revision that
    cached renderings of the app are keyed by."""
    values.setdefault('updated_at', timeutils.utcnow())
    values['revision'] = models.App.revision + 1
    return values


def _update_app(app_id, **values):
    with _write(None) as session:
        session.execute(sa.update(models.App)
                        .where(models.App.id == app_id)
                        .values(**_app_change(**values)))


def set_app_status(app_id, status):
    _update_app(app_id, status=status)


def set_app_url(app_id, app_url):
    _update_app(app_id, app_url=app_url)


def destroy_app(app_id):
    """Remove an app with its workflows, transitions, releases and logs."""
    with _write(None) as session:
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
    with _read(context) as session:
        return session.scalar(sa.select(sa.func.count(models.App.id)).where(
            models.App.project_id == context.project_id))


def apps_using_language_pack(context, lp_name, project_id):
    with _read(context) as session:
        return list(session.scalars(
            sa.select(models.App.name)
            .where(models.App.project_id == project_id)
            .where(models.App.languagepack == lp_name)))


# ----------------------------------------------------------- workflows

def create_workflow(context, app, values, initial_status):
    """Create the next workflow of an app, numbered per app (wf_id)."""
    with _write(context) as session:
        # The guarded increment serialises concurrent creations per app on
        # every backend without SELECT ... FOR UPDATE.
        while True:
            current = session.scalar(sa.select(models.App.last_wf_id).where(
                models.App.id == app.id))
            if current is None:
                raise exception.NotFound(resource='App', id=app.uuid)
            result = session.execute(
                sa.update(models.App)
                .where(models.App.id == app.id)
                .where(models.App.last_wf_id == current)
                .values(last_wf_id=current + 1))
            if result.rowcount == 1:
                break
        wf = models.Workflow(
            uuid=uuidutils.generate_uuid(), app_id=app.id,
            project_id=app.project_id, user_id=context.user_id,
            wf_id=current + 1, status=initial_status, **values)
        session.add(wf)
        session.flush()
        session.add(models.WorkflowTransition(
            workflow_id=wf.id, from_status=None, to_status=initial_status))
        session.execute(sa.update(models.App)
                        .where(models.App.id == app.id)
                        .values(**_app_change(status=initial_status)))
        session.flush()
        session.refresh(wf)
        return wf


def get_workflow(context, app, ident):
    query = sa.select(models.Workflow).where(
        models.Workflow.app_id == app.id)
    if _is_uuid(str(ident)):
        query = query.where(models.Workflow.uuid == ident)
    else:
        try:
            number = int(ident)
        except (TypeError, ValueError):
            raise exception.NotFound(resource='Workflow', id=ident)
        if not _in_column(number):
            raise exception.NotFound(resource='Workflow', id=ident)
        query = query.where(models.Workflow.wf_id == number)
    with _read(context) as session:
        wf = session.scalars(query).first()
    if wf is None:
        raise exception.NotFound(resource='Workflow', id=ident)
    return wf


def get_workflow_by_uuid(uuid):
    with _read(None) as session:
        wf = session.scalars(sa.select(models.Workflow).where(
            models.Workflow.uuid == uuid)).first()
    if wf is None:
        raise exception.NotFound(resource='Workflow', id=uuid)
    return wf


def list_workflows(context, app, limit=None, marker=None):
    with _read(context) as session:
        query = sa.select(models.Workflow).where(
            models.Workflow.app_id == app.id)
        query = _paginate(session, query, models.Workflow, limit, marker)
        return list(session.scalars(query))


def list_workflows_in(statuses):
    with _read(None) as session:
        return list(session.scalars(
            sa.select(models.Workflow)
            .where(models.Workflow.status.in_(list(statuses)))
            .order_by(models.Workflow.id)))


def latest_workflow(app_id):
    with _read(None) as session:
        return session.scalars(
            sa.select(models.Workflow)
            .where(models.Workflow.app_id == app_id)
            .order_by(models.Workflow.wf_id.desc()).limit(1)).first()


def transition_workflow(uuid, expected, target, reason=None, result=None,
                        log_message=None):
    """Move a workflow from ``expected`` to ``target`` atomically.

    Returns False when the workflow is no longer in ``expected`` (another
    actor moved it first), so each transition happens exactly once.
    ``log_message`` joins the workflow's log in the same transaction, so
    whoever sees the new state also sees the line.
    """
    now = timeutils.utcnow()
    with _write(None) as session:
        wf = session.scalars(sa.select(models.Workflow).where(
            models.Workflow.uuid == uuid)).first()
        if wf is None:
            raise exception.NotFound(resource='Workflow', id=uuid)
        values = {'status': target, 'reason': reason, 'updated_at': now}
        if result:
            values['result'] = dict(wf.result or {}, **result)
        changed = session.execute(
            sa.update(models.Workflow)
            .where(models.Workflow.id == wf.id)
            .where(models.Workflow.status == expected)
            .values(**values)).rowcount
        if not changed:
            return False
        session.add(models.WorkflowTransition(
            workflow_id=wf.id, from_status=expected, to_status=target,
            reason=reason, created_at=now))
        if log_message:
            session.add(models.LogLine(
                resource_uuid=wf.uuid, project_id=wf.project_id,
                stage='conductor', message=log_message, created_at=now))
        # The app shows the state of its newest workflow.
        newest = session.scalar(
            sa.select(sa.func.max(models.Workflow.wf_id))
            .where(models.Workflow.app_id == wf.app_id))
        if newest == wf.wf_id:
            session.execute(sa.update(models.App)
                            .where(models.App.id == wf.app_id)
                            .where(models.App.status != 'DELETING')
                            .values(**_app_change(status=target,
                                                  updated_at=now)))
        return True


def update_workflow_result(uuid, result):
    with _write(None) as session:
        wf = session.scalars(sa.select(models.Workflow).where(
            models.Workflow.uuid == uuid)).first()
        if wf is None:
            raise exception.NotFound(resource='Workflow', id=uuid)
        wf.result = dict(wf.result or {}, **result)


def list_transitions(workflow_id):
    with _read(None) as session:
        return list(session.scalars(
            sa.select(models.WorkflowTransition)
            .where(models.WorkflowTransition.workflow_id == workflow_id)
            .order_by(models.WorkflowTransition.id)))


# ------------------------------------------------------------ releases

RELEASE_DEPLOYING = 'DEPLOYING'
RELEASE_ACTIVE = 'ACTIVE'
RELEASE_SUPERSEDED = 'SUPERSEDED'
RELEASE_FAILED = 'FAILED'


def get_app_by_id(app_id):
    with _read(None) as session:
        app = session.get(models.App, app_id)
    if app is None:
        raise exception.NotFound(resource='App', id=app_id)
    return app


def create_release(app, values):
    """The next release of an app, numbered per app."""
    values = dict(values)
    values.setdefault('status', RELEASE_DEPLOYING)
    for _attempt in range(10):
        try:
            with _write(None) as session:
                current = session.scalar(
                    sa.select(sa.func.max(models.Release.number))
                    .where(models.Release.app_id == app.id)) or 0
                release = models.Release(
                    uuid=uuidutils.generate_uuid(), app_id=app.id,
                    project_id=app.project_id, number=current + 1, **values)
                session.add(release)
                session.flush()
                return release
        except db_exc.DBDuplicateEntry:
            continue
    raise exception.Conflict(reason='could not number a new release of '
                             'app %s' % app.uuid)


def list_releases(app_id, limit=None, marker=None):
    with _read(None) as session:
        query = sa.select(models.Release).where(
            models.Release.app_id == app_id)
        query = _paginate(session, query, models.Release, limit, marker)
        return list(session.scalars(query))


def get_release(app_id, number):
    if not _in_column(number):
        raise exception.NotFound(resource='Release', id=number)
    with _read(None) as session:
        release = session.scalars(
            sa.select(models.Release)
            .where(models.Release.app_id == app_id)
            .where(models.Release.number == number)).first()
    if release is None:
        raise exception.NotFound(resource='Release', id=number)
    return release


def get_release_by_uuid(uuid):
    with _read(None) as session:
        release = session.scalars(sa.select(models.Release).where(
            models.Release.uuid == uuid)).first()
    if release is None:
        raise exception.NotFound(resource='Release', id=uuid)
    return release


def active_release(app_id):
    with _read(None) as session:
        return session.scalars(
            sa.select(models.Release)
            .where(models.Release.app_id == app_id)
            .where(models.Release.status == RELEASE_ACTIVE)
            .order_by(models.Release.number.desc()).limit(1)).first()


def list_active_releases():
    with _read(None) as session:
        return list(session.scalars(
            sa.select(models.Release)
            .where(models.Release.status == RELEASE_ACTIVE)
            .order_by(models.Release.id)))


def update_release(release_id, **values):
    with _write(None) as session:
        session.execute(sa.update(models.Release)
                        .where(models.Release.id == release_id)
                        .values(updated_at=timeutils.utcnow(), **values))


def fail_interrupted_releases(reason):
    """Releases left DEPLOYING by a deployer that stopped mid-deploy."""
    with _write(None) as session:
        return session.execute(
            sa.update(models.Release)
            .where(models.Release.status == RELEASE_DEPLOYING)
            .values(status=RELEASE_FAILED, reason=reason,
                    updated_at=timeutils.utcnow())).rowcount


def activate_release(release_id):
    """Make one release the app's active one; the previous is
    superseded."""
    now = timeutils.utcnow()
    with _write(None) as session:
        release = session.get(models.Release, release_id)
        session.execute(sa.update(models.Release)
                        .where(models.Release.app_id == release.app_id)
                        .where(models.Release.status == RELEASE_ACTIVE)
                        .where(models.Release.id != release_id)
                        .values(status=RELEASE_SUPERSEDED, updated_at=now))
        session.execute(sa.update(models.Release)
                        .where(models.Release.id == release_id)
                        .values(status=RELEASE_ACTIVE, reason=None,
                                updated_at=now))


# ------------------------------------------------------ language packs

def create_language_pack(context, values):
    values = dict(values, uuid=uuidutils.generate_uuid(),
                  project_id=context.project_id, user_id=context.user_id)
    lp = models.LanguagePack(**values)
    try:
        with _write(context) as session:
            session.add(lp)
            session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.AlreadyExists(resource='language pack',
                                      name=values['name'])
    return lp


def get_language_pack(context, ident):
    """A language pack by uuid (within the caller's projects) or name
    (within the caller's own project)."""
    lp = None
    if _findable(ident):
        with _read(context) as session:
            lp = session.scalars(_by_ident(models.LanguagePack, context,
                                           ident)).first()
    if lp is None:
        raise exception.NotFound(resource='Language pack', id=ident)
    return lp


def get_project_language_pack(project_id, name):
    """A language pack as an app of ``project_id`` names it (the API
    checks it at create, the builder builds from it)."""
    return get_language_pack(solum_context.RequestContext(
        project_id=project_id, overwrite=False), name)


def get_language_pack_by_uuid(uuid):
    return get_language_pack(None, uuid)


def list_language_packs(context, limit=None, marker=None, all_projects=False):
    with _read(context) as session:
        query = _scoped(sa.select(models.LanguagePack),
                        models.LanguagePack, context, all_projects)
        query = _paginate(session, query, models.LanguagePack, limit, marker)
        return list(session.scalars(query))


def count_language_packs(context):
    with _read(context) as session:
        return session.scalar(
            sa.select(sa.func.count(models.LanguagePack.id))
            .where(models.LanguagePack.project_id == context.project_id))


def update_language_pack(uuid, values):
    with _write(None) as session:
        session.execute(sa.update(models.LanguagePack)
                        .where(models.LanguagePack.uuid == uuid)
                        .values(updated_at=timeutils.utcnow(), **values))


def destroy_language_pack(lp_id):
    with _write(None) as session:
        uuid = session.scalar(sa.select(models.LanguagePack.uuid).where(
            models.LanguagePack.id == lp_id))
        session.execute(sa.delete(models.LogLine).where(
            models.LogLine.resource_uuid == uuid))
        session.execute(sa.delete(models.LanguagePack).where(
            models.LanguagePack.id == lp_id))


# --------------------------------------------------------------- plans

def create_plan(context, values):
    values = dict(values, uuid=uuidutils.generate_uuid(),
                  project_id=context.project_id, user_id=context.user_id)
    plan = models.Plan(**values)
    with _write(context) as session:
        session.add(plan)
        session.flush()
    return plan


def get_plan(context, uuid):
    plan = None
    if _findable(uuid):
        with _read(context) as session:
            query = _scoped(sa.select(models.Plan).where(
                models.Plan.uuid == uuid), models.Plan, context)
            plan = session.scalars(query).first()
    if plan is None:
        raise exception.NotFound(resource='Plan', id=uuid)
    return plan


def list_plans(context, limit=None, marker=None, all_projects=False):
    with _read(context) as session:
        query = _scoped(sa.select(models.Plan), models.Plan, context,
                        all_projects)
        query = _paginate(session, query, models.Plan, limit, marker)
        return list(session.scalars(query))


def count_plans(context):
    with _read(context) as session:
        return session.scalar(sa.select(sa.func.count(models.Plan.id)).where(
            models.Plan.project_id == context.project_id))


def update_plan(context, uuid, values):
    with _write(context) as session:
        query = _scoped(sa.select(models.Plan).where(models.Plan.uuid == uuid),
                        models.Plan, context)
        plan = session.scalars(query).first()
        if plan is None:
            raise exception.NotFound(resource='Plan', id=uuid)
        for key, value in values.items():
            setattr(plan, key, value)
        session.flush()
        return plan


def destroy_plan(context, uuid):
    with _write(context) as session:
        query = _scoped(sa.delete(models.Plan).where(models.Plan.uuid == uuid),
                        models.Plan, context)
        if not session.execute(query).rowcount:
            raise exception.NotFound(resource='Plan', id=uuid)


# ---------------------------------------------------------------- logs

def append_log_lines(resource_uuid, project_id, stage, lines):
    now = timeutils.utcnow()
    rows = [{'resource_uuid': resource_uuid, 'project_id': project_id,
             'stage': stage, 'message': line, 'created_at': now}
            for line in lines]
    if not rows:
        return
    with _write(None) as session:
        session.execute(sa.insert(models.LogLine), rows)


def get_log_lines(resource_uuid, after_id=0, limit=1000):
    with _read(None) as session:
        return list(session.scalars(
            sa.select(models.LogLine)
            .where(models.LogLine.resource_uuid == resource_uuid)
            .where(models.LogLine.id > after_id)
            .order_by(models.LogLine.id).limit(limit)))
