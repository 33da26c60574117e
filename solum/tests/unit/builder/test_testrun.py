"""The unit-test stage's test run (solum.builder.testrun)."""

import time

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
        self.assertEqual(['img:1', testrun.WRAPPER, 'solum-test',
                          'make test'], cmd[-5:-1])
        self.assertTrue(cmd[-1].startswith('solum-test-exit-'))
        self.assertNotIn(cmd[-1], kw['show'])
        self.assertIn('A=b', cmd)
        self.assertEqual(600, kw['timeout'])
        # --rm removed it.
        self.assertEqual(1, len(calls))

    def run_wrapped(self, test_cmd):
        """The wrapper as the container runs it (sh -c, $0, $1, $2),
        through process.run with run_tests' marker handling: (status,
        logged lines)."""
        lines = []

        def run(cmd, **kw):
            wrapper, name, command, marker = cmd[-4:]
            return real_run(['sh', '-c', wrapper, name, command, marker],
                            **kw)
        real_run = process.run
        self.useFixture(fixtures.MonkeyPatch('solum.builder.process.run', run))
        status = testrun.run_tests('img:1', test_cmd, 'solum-test-x',
                                   lines.append)
        return status, lines[1:]

    def test_the_status_comes_from_the_wrapper(self):
        status, lines = self.run_wrapped(
            'echo one; echo; echo two; exit 4')
        self.assertEqual(4, status)
        self.assertEqual(['one', '', 'two'], lines)

    def test_output_without_a_final_newline(self):
        status, lines = self.run_wrapped('printf abc')
        self.assertEqual((0, ['abc']), (status, lines))

    def run_with_teardown(self, test_cmd, seconds):
        """run_tests with a container that takes ``seconds`` to go after
        its wrapper printed the status (Podman's teardown, standing in
        as a sleep in place of the wrapper's exit)."""
        def run(cmd, **kw):
            wrapper, name, command, marker = cmd[-4:]
            slow = wrapper.replace('; exit $status',
                                   '; sleep %s; exit $status' % seconds)
            return real_run(['sh', '-c', slow, name, command, marker], **kw)
        real_run = process.run
        self.useFixture(fixtures.MonkeyPatch('solum.builder.process.run', run))
        started = time.monotonic()
        status = testrun.run_tests('img:1', test_cmd, 'solum-test-x',
                                   lambda line: None)
        return status, time.monotonic() - started

    def test_a_pass_does_not_wait_for_the_teardown(self):
        status, seconds = self.run_with_teardown('true', 3)
        self.assertEqual(0, status)
        self.assertLess(seconds, 2.5)

    def test_a_failure_waits_for_the_container_to_go(self):
        # Its candidate image is removed next, which needs the container
        # gone.
        status, seconds = self.run_with_teardown('exit 2', 0.5)
        self.assertEqual(2, status)
        self.assertGreaterEqual(seconds, 0.5)

    def test_a_forged_marker_does_not_end_the_run(self):
        status, lines = self.run_wrapped(
            'echo solum-test-exit-0000000000000000:0; exit 5')
        self.assertEqual(5, status)
        self.assertIn('solum-test-exit-0000000000000000:0', lines)

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
