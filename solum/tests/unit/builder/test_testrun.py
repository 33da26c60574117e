"""The unit-test stage's test run (solum.builder.testrun)."""

import fixtures

from solum.builder import process
from solum.builder import testrun
from solum.tests import base


class TestTestRun(base.TestCase):

    def test_run_tests_limits(self):
        calls = []

        def run(cmd, **kw):
            calls.append((cmd, kw))
            return process.Result(3, [], 0)
        self.useFixture(fixtures.MonkeyPatch('solum.builder.process.run', run))
        rc = testrun.run_tests('img:1', 'make test', 'solum-test-x',
                               lambda x: None, env={'A': 'b'})
        self.assertEqual(3, rc)
        cmd, kw = calls[0]
        for flag, value in (('--network', 'none'), ('--memory', '1g'),
                            ('--pids-limit', '512'), ('--user',
                                                      '1000:1000')):
            self.assertEqual(value, cmd[cmd.index(flag) + 1])
        self.assertEqual(['img:1', 'make test'], cmd[-2:])
        self.assertIn('A=b', cmd)
        self.assertEqual(600, kw['timeout'])
        self.assertEqual(['podman', 'rm', '--force', '--ignore', '--time',
                          '0', 'solum-test-x'], calls[1][0])
