"""Deploy tokens of app git remotes, stored as digests."""

import hashlib
import hmac
import secrets

import sqlalchemy as sa
from oslo_utils import timeutils
from oslo_utils import uuidutils

from solum.common import exception
from solum.db import engine
from solum.db import models

PREFIX = 'sdt_'


def _digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create_deploy_token(context, app_id, name):
    """(row, token): the token is returned here only."""
    token = PREFIX + secrets.token_urlsafe(32)
    with engine.writer(context) as session:
        row = models.DeployToken(uuid=uuidutils.generate_uuid(),
                                 app_id=app_id, name=name,
                                 digest=_digest(token))
        session.add(row)
        session.flush()
    return row, token


def list_deploy_tokens(context, app_id):
    with engine.reader(context) as session:
        return list(session.scalars(
            sa.select(models.DeployToken)
            .where(models.DeployToken.app_id == app_id)
            .order_by(models.DeployToken.id)))


def delete_deploy_token(context, app_id, token_uuid):
    with engine.writer(context) as session:
        deleted = session.execute(sa.delete(models.DeployToken).where(
            models.DeployToken.app_id == app_id,
            models.DeployToken.uuid == token_uuid)).rowcount
    if not deleted:
        raise exception.NotFound(resource='Deploy token', id=token_uuid)


def use_deploy_token(context, app_id, token):
    """The token's row if ``token`` is one of the app's (its last use
    recorded), else None."""
    if not isinstance(token, str) or not token.startswith(PREFIX):
        return None
    digest = _digest(token)
    with engine.writer(context) as session:
        row = session.scalars(sa.select(models.DeployToken).where(
            models.DeployToken.digest == digest)).first()
        # The lookup is by digest; compare again in constant time anyway.
        if row is None or row.app_id != app_id or \
                not hmac.compare_digest(row.digest, digest):
            return None
        row.last_used_at = timeutils.utcnow()
        session.flush()
        return row

