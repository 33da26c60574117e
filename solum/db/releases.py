"""Releases: each deploy of an app, numbered per app and immutable but for
its status, so that a rollback deploys an earlier one again. The
deployer alone writes them."""

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_utils import timeutils
from oslo_utils import uuidutils

from solum.common import exception
from solum.common import states
from solum.db import engine
from solum.db import models
from solum.db import query as q


def next_release_number(context, app):
    """The number the app's next release will have (if no other is made
    first)."""
    with engine.reader(context) as session:
        return (session.scalar(
            sa.select(sa.func.max(models.Release.number))
            .where(models.Release.app_id == app.id)) or 0) + 1


def create_release(context, app, values, uuid=None, number=None):
    """The next release of an app, numbered per app. ``uuid`` is its uuid
    when its number is ``number`` (fixed beforehand: a replica of it was
    started already), else it gets a new one."""
    values = dict(values)
    values.setdefault('status', states.RELEASE_DEPLOYING)
    for _attempt in range(10):
        try:
            with engine.writer(context) as session:
                current = session.scalar(
                    sa.select(sa.func.max(models.Release.number))
                    .where(models.Release.app_id == app.id)) or 0
                fixed = uuid if uuid and number == current + 1 else None
                release = models.Release(
                    uuid=fixed or uuidutils.generate_uuid(), app_id=app.id,
                    project_id=app.project_id, number=current + 1, **values)
                session.add(release)
                session.flush()
                return release
        except db_exc.DBDuplicateEntry:
            continue
    raise exception.Conflict(reason='could not number a new release of '
                             'app %s' % app.uuid)


def list_releases(context, app_id, limit=None, marker=None):
    with engine.reader(context) as session:
        query = sa.select(models.Release).where(
            models.Release.app_id == app_id)
        query = q.paginate(session, query, models.Release, limit, marker)
        return list(session.scalars(query))


def get_release(context, app_id, number):
    if not q.in_column(number):
        raise exception.NotFound(resource='Release', id=number)
    with engine.reader(context) as session:
        release = session.scalars(
            sa.select(models.Release)
            .where(models.Release.app_id == app_id)
            .where(models.Release.number == number)).first()
    if release is None:
        raise exception.NotFound(resource='Release', id=number)
    return release


def active_release(context, app_id):
    with engine.reader(context) as session:
        return session.scalars(
            sa.select(models.Release)
            .where(models.Release.app_id == app_id)
            .where(models.Release.status == states.RELEASE_ACTIVE)
            .order_by(models.Release.number.desc()).limit(1)).first()


def list_active_releases(context):
    with engine.reader(context) as session:
        return list(session.scalars(
            sa.select(models.Release)
            .where(models.Release.status == states.RELEASE_ACTIVE)
            .order_by(models.Release.id)))


def update_release(context, release_id, **values):
    q.update_row(context, models.Release.id, release_id, values)


def fail_interrupted_releases(context, reason):
    """Releases left DEPLOYING by a deployer that stopped mid-deploy."""
    with engine.writer(context) as session:
        return session.execute(
            sa.update(models.Release)
            .where(models.Release.status == states.RELEASE_DEPLOYING)
            .values(status=states.RELEASE_FAILED, reason=reason,
                    updated_at=timeutils.utcnow())).rowcount


def activate_release(context, release_id):
    """Make one release the app's active one; the previous is
    superseded."""
    now = timeutils.utcnow()
    with engine.writer(context) as session:
        release = session.get(models.Release, release_id)
        session.execute(sa.update(models.Release)
                        .where(models.Release.app_id == release.app_id)
                        .where(models.Release.status ==
                               states.RELEASE_ACTIVE)
                        .where(models.Release.id != release_id)
                        .values(status=states.RELEASE_SUPERSEDED,
                                updated_at=now))
        session.execute(sa.update(models.Release)
                        .where(models.Release.id == release_id)
                        .values(status=states.RELEASE_ACTIVE, reason=None,
                                updated_at=now))
