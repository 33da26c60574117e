"""Custom language packs: base images a project builds from a git
repository and its apps build FROM."""

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_utils import uuidutils

from solum.common import context as solum_context
from solum.common import exception
from solum.db import engine
from solum.db import models
from solum.db import query as q


def create_language_pack(context, values):
    values = dict(values, uuid=uuidutils.generate_uuid(),
                  project_id=context.project_id, user_id=context.user_id)
    lp = models.LanguagePack(**values)
    try:
        with engine.writer(context) as session:
            session.add(lp)
            session.flush()
    except db_exc.DBDuplicateEntry:
        raise exception.AlreadyExists(resource='language pack',
                                      name=values['name'])
    return lp


def get_language_pack(context, ident):
    """A language pack by uuid (within the caller's projects) or name
    (within the caller's own project)."""
    return q.get_by_ident(context, models.LanguagePack, ident,
                          'Language pack')


def get_project_language_pack(context, project_id, name):
    """A language pack as an app of ``project_id`` names it (the API
    checks it at create, the builder builds from it), whoever asks."""
    return get_language_pack(solum_context.RequestContext(
        project_id=project_id, overwrite=False), name)


def get_language_pack_by_uuid(context, uuid):
    return get_language_pack(None, uuid)


def list_language_packs(context, limit=None, marker=None, all_projects=False):
    with engine.reader(context) as session:
        query = q.scoped(sa.select(models.LanguagePack),
                         models.LanguagePack, context, all_projects)
        query = q.paginate(session, query, models.LanguagePack, limit,
                           marker)
        return list(session.scalars(query))


def count_language_packs(context):
    return q.count_in_project(context, models.LanguagePack)


def update_language_pack(context, uuid, values):
    q.update_row(context, models.LanguagePack.uuid, uuid, values)


def destroy_language_pack(context, lp_id):
    with engine.writer(context) as session:
        uuid = session.scalar(sa.select(models.LanguagePack.uuid).where(
            models.LanguagePack.id == lp_id))
        session.execute(sa.delete(models.LogLine).where(
            models.LogLine.resource_uuid == uuid))
        session.execute(sa.delete(models.LanguagePack).where(
            models.LanguagePack.id == lp_id))
