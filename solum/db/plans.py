"""Plans (v1 plan documents), stored per project."""

import sqlalchemy as sa
from oslo_utils import uuidutils

from solum.common import exception
from solum.db import engine
from solum.db import models
from solum.db import query as q


def create_plan(context, values):
    values = dict(values, uuid=uuidutils.generate_uuid(),
                  project_id=context.project_id, user_id=context.user_id)
    plan = models.Plan(**values)
    with engine.writer(context) as session:
        session.add(plan)
        session.flush()
    return plan


def _plan_query(statement, context, uuid):
    return q.scoped(statement.where(models.Plan.uuid == uuid), models.Plan,
                    context)


def get_plan(context, uuid):
    plan = None
    if q.findable(uuid):
        with engine.reader(context) as session:
            plan = session.scalars(_plan_query(sa.select(models.Plan),
                                               context, uuid)).first()
    if plan is None:
        raise exception.NotFound(resource='Plan', id=uuid)
    return plan


def list_plans(context, limit=None, marker=None, all_projects=False):
    with engine.reader(context) as session:
        query = q.scoped(sa.select(models.Plan), models.Plan, context,
                         all_projects)
        query = q.paginate(session, query, models.Plan, limit, marker)
        return list(session.scalars(query))


def count_plans(context):
    return q.count_in_project(context, models.Plan)


def update_plan(context, uuid, values):
    with engine.writer(context) as session:
        plan = session.scalars(_plan_query(sa.select(models.Plan), context,
                                           uuid)).first()
        if plan is None:
            raise exception.NotFound(resource='Plan', id=uuid)
        for key, value in values.items():
            setattr(plan, key, value)
        session.flush()
        return plan


def destroy_plan(context, uuid):
    with engine.writer(context) as session:
        if not session.execute(_plan_query(sa.delete(models.Plan), context,
                                           uuid)).rowcount:
            raise exception.NotFound(resource='Plan', id=uuid)
