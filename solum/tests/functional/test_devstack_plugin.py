"""devstack/plugin.sh against the minicloud, then Tempest with the
plugin's tests against the Solum it stacked, then unstack and clean.

harness/devstack.py runs the plugin's phases with real stand-ins for the
DevStack functions it calls (see its docstring); Tempest (from PyPI, a
test requirement) runs every test of solum/tests/tempest. Once with the
local driver (Podman behind the router: every test passes) and once with
the heat driver and the Glance image store (every test passes but the
one that fetches the app's URL: under Nova's fake virt driver no server
boots, and [solum] apps_reachable says so). Each prints the counts, the
reason of every skip and the time of each step; then, after clean, no
Solum process, configuration, database or catalog entry of it is left,
and a second stack on the same work directory works.
"""

import os
import unittest

import fixtures
import requests
import testtools

from solum.tests.functional.harness import cloud
from solum.tests.functional.harness import devstack

SERVICES = ('glance', 'nova', 'heat')


class DevStackPluginMixin:
    """The test, for the driver of the TestCase it is mixed into."""

    driver = None
    expected_skips = {}

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(1800, gentle=True))
        try:
            self.cloud = cloud.ensure_cloud(SERVICES)
        except cloud.CloudUnavailable as e:
            raise unittest.SkipTest('minicloud cannot run here: %s' % e) \
                from None
        if not os.path.exists(os.path.join(devstack.minicloud_venv(), 'bin',
                                           'uwsgi')):
            self.skipTest('no uWSGI in the minicloud\'s virtualenv')
        self.workdir = self.useFixture(fixtures.TempDir()).path
        self.runner = devstack.DevStackRunner(
            self.workdir, self.cloud, {'SOLUM_DEPLOYER_DRIVER': self.driver})
        self.addCleanup(self.runner.forget)
        self.addCleanup(self._clean_quietly)
        self.addOnException(self._attach_logs)

    def _clean_quietly(self):
        for phase in (self.runner.unstack, self.runner.clean):
            try:
                phase()
            except devstack.PhaseFailed:
                pass

    def _attach_logs(self, exc_info):
        self.addDetail('phases', testtools.content.text_content(
            self.runner.log_tail(80)))
        for name in ('solum-api', 'solum-conductor', 'solum-builder',
                     'solum-deployer', 'tempest-run'):
            path = os.path.join(self.runner.log_dir, '%s.log' % name)
            self.addDetail(name, testtools.content.text_content(
                self.runner.log_tail(60, path)))

    def report(self, results):
        counts = {}
        for status, _reason in results.values():
            counts[status] = counts.get(status, 0) + 1
        lines = ['tempest (%s driver): %d passed, %d skipped, %d failed' % (
            self.driver, counts.get('success', 0), counts.get('skip', 0),
            counts.get('fail', 0))]
        for test_id, (status, reason) in sorted(results.items()):
            if status == 'skip':
                lines.append('  skipped %s: %s' % (test_id, reason.strip()))
        lines.append('  times: ' + ', '.join(
            '%s %.0f s' % kv for kv in self.runner.timings.items()))
        text = '\n'.join(lines)
        print(text)
        self.addDetail('tempest-summary', testtools.content.text_content(
            text))

    def assert_left_nothing(self):
        runner = self.runner
        self.assertEqual([], runner.processes())
        self.assertFalse(os.path.exists(runner.conf_dir))
        self.assertFalse(os.path.exists(runner.state_path))
        self.assertNotIn(runner.db_name, runner.databases())
        self.assertRaises(requests.ConnectionError, requests.get,
                          runner.api_url + '/healthcheck', timeout=5)
        self.assertRaises(requests.ConnectionError, requests.get,
                          'http://127.0.0.1:%d/' % runner.router_port,
                          timeout=5)

    def test_stack_tempest_unstack_clean_and_stack_again(self):
        runner = self.runner
        runner.stack()
        # The catalog lists the API in the runner's region; it answers.
        urls = {e['URL'] for e in runner.catalog_entries()}
        self.assertEqual({runner.api_url}, urls)
        self.assertEqual(200, requests.get(runner.api_url + '/v1',
                                           timeout=10).status_code)

        returncode, results = runner.tempest_run()
        self.report(results)
        failed = {t: r for t, (s, r) in results.items() if s == 'fail'}
        self.assertEqual({}, failed)
        self.assertEqual(0, returncode)
        skipped = {t.rsplit('.', 1)[1] for t, (s, _r) in results.items()
                   if s == 'skip'}
        self.assertEqual(set(self.expected_skips), skipped)
        for test_id, (status, reason) in results.items():
            if status == 'skip':
                name = test_id.rsplit('.', 1)[1]
                self.assertIn(self.expected_skips[name], reason)
        self.assertGreaterEqual(len(results), 11)
        # Tempest deleted what it made: no row is left behind.
        for table in ('apps', 'workflows', 'releases', 'plans'):
            self.assertEqual(0, runner.table_rows(table), table)

        runner.unstack()
        self.assertEqual([], runner.processes())
        runner.clean()
        self.assert_left_nothing()

        # A second stack after clean works.
        runner.stack()
        self.assertEqual(200, requests.get(runner.api_url + '/healthcheck',
                                           timeout=10).status_code)
        runner.unstack()
        runner.clean()
        self.assert_left_nothing()
        print('times: ' + ', '.join('%s %.0f s' % kv
                                    for kv in runner.timings.items()))


class TestDevStackPluginLocal(DevStackPluginMixin, testtools.TestCase):
    driver = 'local'


class TestDevStackPluginHeat(DevStackPluginMixin, testtools.TestCase):
    driver = 'heat'
    expected_skips = {
        'test_app_url_serves_the_apps_own_content': 'fake virt driver'}
