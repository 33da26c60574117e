"""The SQLite set-up of the engine."""

from solum.db import api as db_api
from solum.tests import base


class TestSqlitePragmas(base.DbTestCase):

    def test_wal_without_an_fsync_per_commit(self):
        raw = db_api.get_engine().raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute('PRAGMA journal_mode')
            self.assertEqual('wal', cursor.fetchone()[0])
            # 1: NORMAL (2 would be FULL, an fsync of the log per commit).
            cursor.execute('PRAGMA synchronous')
            self.assertEqual(1, cursor.fetchone()[0])
            cursor.execute('PRAGMA busy_timeout')
            self.assertEqual(30000, cursor.fetchone()[0])
        finally:
            raw.close()
