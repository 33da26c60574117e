"""The log store: lines of workflows, language pack builds and app events,
by the uuid of what they belong to."""

import sqlalchemy as sa
from oslo_utils import timeutils

from solum.db import engine
from solum.db import models


def append_log_lines(context, resource_uuid, project_id, stage, lines):
    now = timeutils.utcnow()
    rows = [{'resource_uuid': resource_uuid, 'project_id': project_id,
             'stage': stage, 'message': line, 'created_at': now}
            for line in lines]
    if not rows:
        return
    with engine.writer(context) as session:
        session.execute(sa.insert(models.LogLine), rows)


def get_log_lines(context, resource_uuid, after_id=0, limit=1000):
    with engine.reader(context) as session:
        return list(session.scalars(
            sa.select(models.LogLine)
            .where(models.LogLine.resource_uuid == resource_uuid)
            .where(models.LogLine.id > after_id)
            .order_by(models.LogLine.id).limit(limit)))
