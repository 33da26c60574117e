"""SQLAlchemy models. Secrets are stored only encrypted (see common.crypto)."""

import sqlalchemy as sa
from oslo_db.sqlalchemy import models
from oslo_utils import timeutils
from sqlalchemy import orm

from solum.common import states
from solum.db import types

# SQLite only auto-increments INTEGER PRIMARY KEY, not BIGINT.
BigIntPK = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


class Base(models.ModelBase, orm.DeclarativeBase):
    pass


class _Timestamps:
    created_at = sa.Column(sa.DateTime, default=timeutils.utcnow,
                           nullable=False)
    updated_at = sa.Column(sa.DateTime, default=timeutils.utcnow,
                           onupdate=timeutils.utcnow, nullable=False)


class App(_Timestamps, Base):
    __tablename__ = 'apps'
    __table_args__ = (
        sa.UniqueConstraint('project_id', 'name',
                            name='uniq_apps_project_name'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True)
    project_id = sa.Column(sa.String(64), nullable=False, index=True)
    user_id = sa.Column(sa.String(64))
    name = sa.Column(sa.String(100), nullable=False)
    description = sa.Column(sa.Text)
    languagepack = sa.Column(sa.String(100))
    source = sa.Column(types.JSON, nullable=False, default=dict)
    private_ssh_key = sa.Column(sa.Text)  # Fernet token, never plaintext
    workflow_config = sa.Column(types.JSON, nullable=False, default=dict)
    trigger_uuid = sa.Column(sa.String(36), unique=True)
    trigger_actions = sa.Column(types.JSON, nullable=False, default=list)
    ports = sa.Column(types.JSON, nullable=False, default=list)
    parameters = sa.Column(types.JSON, nullable=False, default=dict)
    raw_content = sa.Column(sa.Text)
    status = sa.Column(sa.String(36), nullable=False,
                       default=states.APP_CREATED)
    app_url = sa.Column(sa.String(255))
    last_wf_id = sa.Column(sa.Integer, nullable=False, default=0)
    # The Keystone trust the builder and deployer act through.
    trust_id = sa.Column(sa.String(64))
    # Signs webhook deliveries; a Fernet token, never plaintext.
    webhook_secret = sa.Column(sa.Text)
    # Bumped by every change of the row: what the API renders of an app
    # is cached by (uuid, revision).
    revision = sa.Column(sa.Integer, nullable=False, default=1,
                         server_default='1')
    # Scale requests are numbered as the API accepts them; a deployer
    # applies number N only after N - 1 (two deployers may receive them
    # in any order).
    scale_requested = sa.Column(sa.Integer, nullable=False, default=0,
                                server_default='0')
    scale_applied = sa.Column(sa.Integer, nullable=False, default=0,
                              server_default='0')


class WebhookDelivery(Base):
    """A webhook delivery already received (by its delivery id, or the
    digest of its body), so that a replay starts nothing."""

    __tablename__ = 'webhook_deliveries'
    __table_args__ = (
        sa.UniqueConstraint('app_id', 'delivery_id',
                            name='uniq_webhook_deliveries_app_delivery'),
    )

    id = sa.Column(BigIntPK, primary_key=True, autoincrement=True)
    app_id = sa.Column(sa.Integer,
                       sa.ForeignKey('apps.id', ondelete='CASCADE'),
                       nullable=False)
    delivery_id = sa.Column(sa.String(128), nullable=False)
    received_at = sa.Column(sa.DateTime, default=timeutils.utcnow,
                            nullable=False, index=True)


class DeployToken(Base):
    """A token that lets git push to (and fetch from) one app's git remote
    without a Keystone token, until its owner revokes it. Only its
    SHA-256 digest is stored: a token is random, so the digest alone
    verifies it and cannot be turned back into it."""

    __tablename__ = 'deploy_tokens'

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True)
    app_id = sa.Column(sa.Integer,
                       sa.ForeignKey('apps.id', ondelete='CASCADE'),
                       nullable=False, index=True)
    name = sa.Column(sa.String(64), nullable=False)
    digest = sa.Column(sa.String(64), nullable=False, unique=True)
    created_at = sa.Column(sa.DateTime, default=timeutils.utcnow,
                           nullable=False)
    last_used_at = sa.Column(sa.DateTime)


class Workflow(_Timestamps, Base):
    __tablename__ = 'workflows'
    __table_args__ = (
        sa.UniqueConstraint('app_id', 'wf_id', name='uniq_workflows_app_wf'),
        sa.Index('workflows_status_idx', 'status'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True)
    app_id = sa.Column(sa.Integer,
                       sa.ForeignKey('apps.id', ondelete='CASCADE'),
                       nullable=False)
    project_id = sa.Column(sa.String(64), nullable=False, index=True)
    user_id = sa.Column(sa.String(64))
    wf_id = sa.Column(sa.Integer, nullable=False)
    actions = sa.Column(types.JSON, nullable=False, default=list)
    du_id = sa.Column(sa.String(255))
    scale_target = sa.Column(sa.Integer)
    status = sa.Column(sa.String(36), nullable=False)
    reason = sa.Column(sa.Text)
    source = sa.Column(types.JSON, nullable=False, default=dict)
    config = sa.Column(types.JSON, nullable=False, default=dict)
    result = sa.Column(types.JSON, nullable=False, default=dict)

    app = orm.relationship(App, lazy='joined', innerjoin=True)


class WorkflowTransition(Base):
    """Every state change of a workflow, with its time and reason."""

    __tablename__ = 'workflow_transitions'

    id = sa.Column(BigIntPK, primary_key=True, autoincrement=True)
    workflow_id = sa.Column(sa.Integer,
                            sa.ForeignKey('workflows.id', ondelete='CASCADE'),
                            nullable=False, index=True)
    from_status = sa.Column(sa.String(36))
    to_status = sa.Column(sa.String(36), nullable=False)
    reason = sa.Column(sa.Text)
    created_at = sa.Column(sa.DateTime, default=timeutils.utcnow,
                           nullable=False)


class LanguagePack(_Timestamps, Base):
    __tablename__ = 'language_packs'
    __table_args__ = (
        sa.UniqueConstraint('project_id', 'name',
                            name='uniq_language_packs_project_name'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True)
    project_id = sa.Column(sa.String(64), nullable=False, index=True)
    user_id = sa.Column(sa.String(64))
    name = sa.Column(sa.String(100), nullable=False)
    description = sa.Column(sa.Text)
    source_uri = sa.Column(sa.String(1024), nullable=False)
    lp_metadata = sa.Column(types.JSON, nullable=False, default=dict)
    lp_params = sa.Column(types.JSON, nullable=False, default=dict)
    status = sa.Column(sa.String(36), nullable=False,
                       default=states.LP_QUEUED)
    reason = sa.Column(sa.Text)
    image_ref = sa.Column(sa.String(255))


class Plan(_Timestamps, Base):
    __tablename__ = 'plans'

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True)
    project_id = sa.Column(sa.String(64), nullable=False, index=True)
    user_id = sa.Column(sa.String(64))
    name = sa.Column(sa.String(100), nullable=False)
    description = sa.Column(sa.Text)
    content = sa.Column(types.JSON, nullable=False)


class LogLine(Base):
    """One line of a workflow's or language pack's log."""

    __tablename__ = 'log_lines'
    __table_args__ = (
        sa.Index('log_lines_resource_idx', 'resource_uuid', 'id'),
    )

    id = sa.Column(BigIntPK, primary_key=True, autoincrement=True)
    resource_uuid = sa.Column(sa.String(36), nullable=False)
    project_id = sa.Column(sa.String(64), nullable=False)
    stage = sa.Column(sa.String(32), nullable=False)
    message = sa.Column(sa.Text, nullable=False)
    created_at = sa.Column(sa.DateTime, default=timeutils.utcnow,
                           nullable=False)


class Release(_Timestamps, Base):
    """One deploy of an app: an image with its configuration, numbered per
    app. The image and config never change; a rollback deploys an earlier
    release's image and config as a new release. ``replicas`` is how many
    replicas the release should run while it is the active one."""

    __tablename__ = 'releases'
    __table_args__ = (
        sa.UniqueConstraint('app_id', 'number',
                            name='uniq_releases_app_number'),
    )

    id = sa.Column(sa.Integer, primary_key=True)
    uuid = sa.Column(sa.String(36), nullable=False, unique=True)
    app_id = sa.Column(sa.Integer,
                       sa.ForeignKey('apps.id', ondelete='CASCADE'),
                       nullable=False, index=True)
    project_id = sa.Column(sa.String(64), nullable=False)
    number = sa.Column(sa.Integer, nullable=False)
    image = sa.Column(sa.String(255), nullable=False)
    config = sa.Column(sa.JSON, nullable=False, default=dict)
    workflow_id = sa.Column(sa.Integer)
    rollback_of = sa.Column(sa.Integer)
    replicas = sa.Column(sa.Integer, nullable=False, default=1)
    status = sa.Column(sa.String(36), nullable=False)
    reason = sa.Column(sa.Text)
