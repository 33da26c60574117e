"""The alembic migrations build exactly the schema the models describe."""

from alembic import autogenerate
from alembic import migration as alembic_migration

from solum.db import api as db_api
from solum.db import migration
from solum.db import models
from solum.tests import base


class TestMigrations(base.TestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(connection='sqlite:///%s/m.sqlite' %
                         self.state_path, group='database')
        db_api.reset_engine()
        self.addCleanup(db_api.reset_engine)

    def test_upgrade_matches_models(self):
        self.assertIsNone(migration.version())
        migration.upgrade()
        self.assertEqual(migration.head(), migration.version())
        with db_api.get_engine().connect() as connection:
            context = alembic_migration.MigrationContext.configure(
                connection, opts={'compare_type': migration.compare_type})
            diff = autogenerate.compare_metadata(context,
                                                 models.Base.metadata)
        self.assertEqual([], diff)

    def test_upgrade_is_idempotent(self):
        migration.upgrade()
        migration.upgrade()
        self.assertEqual(migration.head(), migration.version())
