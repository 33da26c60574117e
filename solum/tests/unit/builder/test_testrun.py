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
        # --rm removed it.
        self.assertEqual(1, len(calls))

    def test_a_container_left_behind_is_removed(self):
        for outcome in (process.Result(125, [], 0),
                        process.CommandError('timed out', timed_out=True)):
            calls = []

            def run(cmd, outcome=outcome, calls=calls, **kw):
                calls.append(cmd)
                if len(calls) > 1:
                    return process.Result(0, [], 0)
                if isinstance(outcome, Exception):
                    raise outcome
                return outcome
            self.useFixture(fixtures.MonkeyPatch('solum.builder.process.run',
                                                 run))
            try:
                testrun.run_tests('img:1', 'make test', 'solum-test-x',
                                  lambda x: None)
            except process.CommandError:
                pass
            self.assertEqual(['podman', 'rm', '--force', '--ignore',
                              '--time', '0', 'solum-test-x'], calls[1])
