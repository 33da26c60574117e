"""solum-api, -conductor, -builder and -deployer as separate processes over
the real RabbitMQ, on each real database backend."""

import json

import requests

from solum.common import webhooks
from solum.tests.functional import base

APP = {'version': 1, 'name': 'hello', 'languagepack': 'python',
       'source': {'repository': 'file:///nonexistent/solum-test/hello.git',
                  'revision': 'main', 'private_ssh_key': 'KEY-MATERIAL'}}
SERVICES = ('solum-conductor', 'solum-builder', 'solum-deployer',
            'solum-api')


class _SeparateProcesses:
    """Mixed into one TestCase per database backend."""

    def extra_config(self):
        # The builder refuses https sources at once: no network needed.
        return '[builder]\ngit_allowed_protocols = file\n'

    def setUp(self):
        super().setUp()
        self.db_upgrade()
        for name in SERVICES:
            self.start_service(name)

    def workflow(self, app_id, number):
        return requests.get('%s/v1/apps/%s/workflows/%d' % (
            self.base_url, app_id, number), timeout=10).json()

    def test_app_lifecycle_across_processes(self):
        resp = requests.post(self.base_url + '/v1/apps', json=APP,
                             timeout=10)
        self.assertEqual(201, resp.status_code, resp.text)
        self.assertNotIn('KEY-MATERIAL', resp.text)
        app_id = resp.json()['id']

        resp = requests.post('%s/v1/apps/%s/workflows' % (self.base_url,
                                                          app_id),
                             json={'actions': ['build', 'deploy']},
                             timeout=10)
        self.assertEqual(201, resp.status_code, resp.text)
        self.assertEqual(1, resp.json()['wf_id'])

        # A followed log streams until the workflow ends.
        follow = requests.get('%s/v1/apps/%s/workflows/1/logs' % (
            self.base_url, app_id), params={'follow': 'true'}, timeout=60)
        self.assertIn('[conductor] QUEUED -> BUILDING', follow.text)
        # The builder (another process) failed it with a reason that names
        # the missing repository, streamed as it happened.
        reason = ('repository file:///nonexistent/solum-test/hello.git not '
                  'found')
        self.assertIn('[build] ERROR: ' + reason, follow.text)
        self.assertIn('BUILDING -> ERROR: ' + reason, follow.text)

        wf = self.workflow(app_id, 1)
        self.assertEqual('ERROR', wf['status'])
        self.assertEqual(reason, wf['reason'])
        self.assertEqual(['QUEUED', 'BUILDING', 'ERROR'],
                         [t['to'] for t in wf['transitions']])

        resp = requests.delete('%s/v1/apps/%s' % (self.base_url, app_id),
                               timeout=10)
        self.assertEqual(202, resp.status_code)
        self.wait_until(lambda: requests.get(
            '%s/v1/apps/%s' % (self.base_url, app_id),
            timeout=10).status_code == 404, what='the app to be deleted')

    def test_webhook_deliveries_once_on_this_backend(self):
        """The secret column and the deliveries table of migration 006,
        and the unique (app, delivery) that refuses a replay, on each
        backend."""
        app_id = requests.post(self.base_url + '/v1/apps', json=dict(
            APP, name='hooked'), timeout=10).json()['id']
        secret = requests.post('%s/v1/apps/%s/webhook/secret' % (
            self.base_url, app_id), json={}, timeout=10).json()['secret']
        body = json.dumps({'ref': 'refs/heads/main', 'after': 'a' * 40,
                           'repository': {'clone_url': APP['source'][
                               'repository']}}).encode()

        def deliver(delivery):
            return requests.post(
                '%s/v1/apps/%s/webhook' % (self.base_url, app_id),
                data=body, timeout=10, headers={
                    'X-Solum-Delivery': delivery,
                    'X-Solum-Signature': 'sha256=' + webhooks.sign(secret,
                                                                   body)})
        first = deliver('d-1')
        self.assertEqual(202, first.status_code, first.text)
        for delivery in ('d-1', 'd-2'):
            again = deliver(delivery)
            self.assertEqual(200, again.status_code, again.text)
            self.assertEqual('already received', again.json()['reason'])
        wfs = requests.get('%s/v1/apps/%s/workflows' % (
            self.base_url, app_id), timeout=10).json()
        self.assertEqual([first.json()['workflow_id']],
                         [w['id'] for w in wfs])

    def test_status_check_passes(self):
        result = self.run_command('solum-status', 'upgrade', 'check')
        self.assertEqual(0, result.returncode, result.stdout +
                         result.stderr)
        self.assertIn('Database schema', result.stdout)


class TestSQLite(_SeparateProcesses, base.FunctionalTestCase):
    backend = 'sqlite'


class TestMariaDB(_SeparateProcesses, base.FunctionalTestCase):
    backend = 'mysql'


class TestPostgreSQL(_SeparateProcesses, base.FunctionalTestCase):
    backend = 'postgresql'
