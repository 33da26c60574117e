from alembic import context

from solum.db import api as db_api
from solum.db import migration
from solum.db import models

target_metadata = models.Base.metadata


def run_migrations_online():
    connectable = context.config.attributes.get('connection')
    if connectable is not None:
        _run(connectable)
        return
    with db_api.get_engine().connect() as connection:
        _run(connection)


def _run(connection):
    context.configure(connection=connection,
                      target_metadata=target_metadata,
                      render_as_batch=True,
                      compare_type=migration.compare_type)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
