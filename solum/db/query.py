"""Query helpers every resource module shares: project scoping, lookup by
uuid or name, pagination, and the guards that keep odd input from
reaching the database."""

import sqlalchemy as sa
from oslo_utils import timeutils
from oslo_utils import uuidutils

from solum.common import exception
from solum.db import engine
from solum.db import models
from solum.db import types


def scoped(query, model, context, all_projects=None):
    """``query`` limited to the context's project, unless the context
    (None: a service's own work) may see every project."""
    if all_projects is None:
        all_projects = context is None or context.all_projects
    if not all_projects:
        query = query.where(model.project_id == context.project_id)
    return query


def is_uuid(value):
    return uuidutils.is_uuid_like(value)


def findable(value):
    """Could ``value`` name a row? PostgreSQL refuses a NUL in any string,
    so such a lookup would fail rather than find nothing."""
    return isinstance(value, str) and '\x00' not in value


def by_ident(model, context, ident):
    """A query for a row by uuid, in the caller's projects (every project
    for an administrator), or by name, only ever in the caller's own
    project: names are unique per project, so across projects a name
    would pick some other project's row."""
    if is_uuid(ident):
        return scoped(sa.select(model).where(model.uuid == ident), model,
                      context)
    project_id = context.project_id if context is not None else None
    return (sa.select(model).where(model.name == ident)
            .where(model.project_id == project_id))


def in_column(number):
    """May ``number`` be a positive id of an Integer column? Outside it
    cannot name a row, and SQLite cannot even compare it."""
    return 0 < number <= types.INT32_MAX


def paginate(session, query, model, limit, marker):
    if marker is not None:
        # The marker is looked up in the list itself: another project's
        # (or app's) item is as unknown as one that does not exist.
        marker_id = None
        if findable(marker):
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


def app_change(**values):
    """Values of an UPDATE of apps: every change bumps the revision that
    cached renderings of the app are keyed by."""
    values.setdefault('updated_at', timeutils.utcnow())
    values['revision'] = models.App.revision + 1
    return values


def get_by_ident(context, model, ident, resource):
    """The row ``by_ident`` finds, or NotFound naming ``resource``."""
    row = None
    if findable(ident):
        with engine.reader(context) as session:
            row = session.scalars(by_ident(model, context, ident)).first()
    if row is None:
        raise exception.NotFound(resource=resource, id=ident)
    return row


def count_in_project(context, model):
    """How many rows of ``model`` the caller's own project has (quotas)."""
    with engine.reader(context) as session:
        return session.scalar(sa.select(sa.func.count(model.id)).where(
            model.project_id == context.project_id))


def update_row(context, column, key, values):
    """UPDATE the row whose ``column`` is ``key``, stamping updated_at."""
    model = column.class_
    with engine.writer(context) as session:
        session.execute(sa.update(model).where(column == key)
                        .values(updated_at=timeutils.utcnow(), **values))
