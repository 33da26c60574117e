"""Webhook secrets (stored encrypted by the caller) and the deliveries
already received."""

import datetime

import sqlalchemy as sa
from oslo_db import exception as db_exc
from oslo_utils import timeutils

from solum.common import exception
from solum.db import engine
from solum.db import models
from solum.db import query as q


def set_webhook_secret(context, app_id, encrypted):
    with engine.writer(context) as session:
        session.execute(sa.update(models.App)
                        .where(models.App.id == app_id)
                        .values(**q.app_change(webhook_secret=encrypted)))


def record_deliveries(context, app_id, keys, retention_days):
    """Remember ``keys`` (a delivery id, a body digest) for an app, all or
    none; False when one of them was received before. Forgets deliveries
    older than ``retention_days``."""
    now = timeutils.utcnow()
    try:
        with engine.writer(context) as session:
            session.execute(sa.delete(models.WebhookDelivery).where(
                models.WebhookDelivery.received_at <
                now - datetime.timedelta(days=retention_days)))
            for key in keys:
                session.add(models.WebhookDelivery(
                    app_id=app_id, delivery_id=key, received_at=now))
            session.flush()
    except db_exc.DBDuplicateEntry:
        return False
    return True


def forget_deliveries(context, app_id, keys):
    """Undo record_deliveries (the work they asked for did not start)."""
    with engine.writer(context) as session:
        session.execute(sa.delete(models.WebhookDelivery).where(
            models.WebhookDelivery.app_id == app_id,
            models.WebhookDelivery.delivery_id.in_(list(keys))))


def get_app_by_uuid(context, uuid):
    """An app by its uuid alone (names are per project: a public route
    cannot use them)."""
    row = None
    if q.is_uuid(str(uuid)):
        with engine.reader(context) as session:
            row = session.scalars(sa.select(models.App).where(
                models.App.uuid == uuid)).first()
    if row is None:
        raise exception.NotFound(resource='App', id=uuid)
    return row
