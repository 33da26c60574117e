"""Schema migrations with alembic."""

import os

import sqlalchemy as sa
from alembic import command
from alembic import config as alembic_config
from alembic import migration
from alembic import script

from solum.db import api as db_api
from solum.db import types

_INI = os.path.join(os.path.dirname(__file__), 'alembic.ini')


def compare_type(context, inspected_column, metadata_column, inspected_type,
                 metadata_type):
    """Alembic type comparison that knows our JSON column type is JSON in
    the schema (it only travels as text)."""
    if isinstance(metadata_column.type, types.JSON):
        return not isinstance(inspected_type, (sa.JSON, sa.Text))
    return None  # alembic's own comparison


def _config():
    return alembic_config.Config(_INI)


def upgrade(revision='head'):
    engine = db_api.get_engine()
    with engine.begin() as connection:
        cfg = _config()
        cfg.attributes['connection'] = connection
        command.upgrade(cfg, revision)


def version():
    """The revision the database is at, or None when it has no schema."""
    with db_api.get_engine().connect() as connection:
        return migration.MigrationContext.configure(
            connection).get_current_revision()


def head():
    return script.ScriptDirectory.from_config(_config()).get_current_head()


def revision(message, autogenerate=False):
    cfg = _config()
    if autogenerate:
        with db_api.get_engine().connect() as connection:
            cfg.attributes['connection'] = connection
            return command.revision(cfg, message=message,
                                    autogenerate=True)
    return command.revision(cfg, message=message)
