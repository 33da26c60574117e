"""Helpers of the local driver's replicas (replicas.py)."""

from solum.deployer.local import replicas
from solum.tests import base


class TestLogParsing(base.TestCase):

    def test_lines_written_in_pieces(self):
        self.assertEqual(
            ('2026-11-23T19:04:18.1Z', 'serving on 8080'),
            replicas.parse_log_line('2026-11-23T19:04:18.1Z serving on 8080'
                                  '2026-11-23T19:04:18.159775789Z '))
        self.assertEqual(('2026-11-23T19:04:18+00:00', 'a b'),
                         replicas.parse_log_line(
                             '2026-11-23T19:04:18+00:00 a b'))
