"""solum-all behind a real Keystone: tokens, tenancy and RBAC."""

import hashlib
import hmac
import json
import os
import subprocess

import requests

from solum.common import states
from solum.tests.functional import base
from solum.tests.functional import deployer_fixtures
from solum.tests.functional import samples
from solum.tests.functional.harness import keystone

APP = {'version': 1, 'name': 'web', 'languagepack': 'python',
       'source': {'repository': 'https://git.example.com/web.git'}}


class TestKeystoneAuth(base.FunctionalTestCase):
    auth_strategy = 'keystone'
    rpc_transport = 'local'

    def setUp(self):
        try:
            self.cloud = keystone.ensure_keystone()
        except keystone.HarnessError as e:
            self.skipTest('Keystone harness unavailable: %s' % e)
        super().setUp()
        self.start_service('solum-all')

    def extra_config(self):
        return base.keystone_config(self.cloud)

    def call(self, method, path, user=None, **kw):
        headers = kw.pop('headers', {})
        if user:
            headers['X-Auth-Token'] = keystone.get_token(user)
        return requests.request(method, self.base_url + path,
                                headers=headers, timeout=30, **kw)

    def test_public_paths_need_no_token(self):
        self.assertEqual(200, self.call('GET', '/').status_code)
        self.assertEqual(200, self.call('GET', '/v1').status_code)
        self.assertEqual(200, self.call('GET', '/healthcheck').status_code)

    def test_no_token_is_401(self):
        resp = self.call('GET', '/v1/apps')
        self.assertEqual(401, resp.status_code)
        self.assertEqual('Client', resp.json()['faultcode'])
        self.assertIn('WWW-Authenticate', resp.headers)
        bad = self.call('GET', '/v1/apps',
                        headers={'X-Auth-Token': 'not-a-token'})
        self.assertEqual(401, bad.status_code)

    def test_tenancy_and_roles(self):
        created = self.call('POST', '/v1/apps', user='alice', json=APP)
        self.assertEqual(201, created.status_code, created.text)
        app = created.json()
        project_a = self.cloud['users']['alice']['project_id']
        self.assertEqual(project_a, app['project_id'])
        self.assertEqual(self.cloud['users']['alice']['id'], app['user_id'])
        path = '/v1/apps/%s' % app['id']

        # Another project's member sees nothing of it.
        self.assertEqual(404, self.call('GET', path, user='bob').status_code)
        self.assertEqual([], self.call('GET', '/v1/apps', user='bob').json())
        self.assertEqual(404, self.call('DELETE', path,
                                        user='bob').status_code)

        # A reader of the project may read, not write.
        self.assertEqual(200, self.call('GET', path, user='rita').status_code)
        for method, target, body in (
                ('POST', '/v1/apps', dict(APP, name='other')),
                ('PATCH', path, {'description': 'x'}),
                ('POST', path + '/workflows', {'actions': ['build']})):
            resp = self.call(method, target, user='rita', json=body)
            self.assertEqual(403, resp.status_code, (method, target))
            self.assertIn('policy solum:', resp.json()['faultstring'])
        self.assertEqual(403, self.call('DELETE', path,
                                        user='rita').status_code)

        # The admin sees every project's apps when asking for them.
        everything = self.call('GET', '/v1/apps?all_projects=true',
                               user='admin').json()
        self.assertIn(app['id'], [a['id'] for a in everything])
        self.assertEqual(200, self.call('GET', path,
                                        user='admin').status_code)
        self.assertEqual(403, self.call('GET', '/v1/apps?all_projects=true',
                                        user='alice').status_code)

        # The member that owns it may delete it.
        self.assertEqual(202, self.call('DELETE', path,
                                        user='alice').status_code)

    def trusts_of(self, user):
        admin = keystone.get_token('admin')
        resp = requests.get(
            self.cloud['auth_url'] + '/OS-TRUST/trusts',
            params={'trustor_user_id': self.cloud['users'][user]['id']},
            headers={'X-Auth-Token': admin}, timeout=30)
        resp.raise_for_status()
        return resp.json()['trusts']

    def test_app_trust_lives_and_dies_with_the_app(self):
        before = {t['id'] for t in self.trusts_of('alice')}
        created = self.call('POST', '/v1/apps', user='alice',
                            json=dict(APP, name='trusted'))
        self.assertEqual(201, created.status_code, created.text)
        self.assertNotIn('trust_id', created.json())
        new = [t for t in self.trusts_of('alice') if t['id'] not in before]
        self.assertEqual(1, len(new))
        trust = new[0]
        self.assertEqual(self.cloud['service_user']['id'],
                         trust['trustee_user_id'])
        self.assertEqual(self.cloud['users']['alice']['project_id'],
                         trust['project_id'])
        self.assertTrue(trust['impersonation'])

        # The service user can act through it, as alice, on project A.
        service = self.cloud['service_user']
        resp = requests.post(self.cloud['auth_url'] + '/auth/tokens', json={
            'auth': {'identity': {'methods': ['password'], 'password': {
                'user': {'name': service['name'],
                         'password': service['password'],
                         'domain': {'id': 'default'}}}},
                'scope': {'OS-TRUST:trust': {'id': trust['id']}}}},
            timeout=30)
        self.assertEqual(201, resp.status_code, resp.text)
        token = resp.json()['token']
        self.assertEqual(self.cloud['users']['alice']['project_id'],
                         token['project']['id'])
        self.assertIn('member', [r['name'] for r in token['roles']])

        app_id = created.json()['id']
        self.assertEqual(202, self.call('DELETE', '/v1/apps/%s' % app_id,
                                        user='alice').status_code)
        self.wait_until(
            lambda: self.call('GET', '/v1/apps/%s' % app_id,
                              user='alice').status_code == 404,
            what='the app to be deleted')
        self.assertNotIn(trust['id'],
                         {t['id'] for t in self.trusts_of('alice')})

    def test_webhook_needs_no_token_and_outlives_the_owners(self):
        """A signed delivery passes auth_token without a token and starts
        the owner's workflow after the owner's token is revoked; the
        secret route itself needs a member's token."""
        token = keystone.get_token('alice')
        repo = samples.commit_python_sample(
            os.path.join(self.state_path, 'hello'), 'Hello hook')
        document = dict(APP, name='hooked', source={'repository': repo,
                                                    'revision': 'main'},
                        workflow_config={
                            'run_cmd': 'gunicorn --bind 0.0.0.0:8080 app:app'},
                        ports=[8080])
        created = self.call('POST', '/v1/apps', json=document,
                            headers={'X-Auth-Token': token})
        self.assertEqual(201, created.status_code, created.text)
        app_id = created.json()['id']
        secret_path = '/v1/apps/%s/webhook/secret' % app_id
        self.assertEqual(401, self.call('POST', secret_path,
                                        json={}).status_code)
        self.assertEqual(403, self.call('POST', secret_path, user='rita',
                                        json={}).status_code)
        self.assertEqual(404, self.call('POST', secret_path, user='bob',
                                        json={}).status_code)
        resp = self.call('POST', secret_path, json={},
                         headers={'X-Auth-Token': token})
        self.assertEqual(201, resp.status_code, resp.text)
        secret = resp.json()['secret']

        # The owner's token is gone.
        revoked = requests.delete(
            self.cloud['auth_url'] + '/auth/tokens', timeout=30,
            headers={'X-Auth-Token': token, 'X-Subject-Token': token})
        self.assertEqual(204, revoked.status_code, revoked.text)
        # (Keystone says so; auth_token may still have it cached.)
        admin = keystone.get_token('admin')
        self.assertEqual(404, requests.get(
            self.cloud['auth_url'] + '/auth/tokens', timeout=30,
            headers={'X-Auth-Token': admin,
                     'X-Subject-Token': token}).status_code)

        commit = subprocess.run(
            ['git', '-C', repo[len('file://'):], 'rev-parse', 'HEAD'],
            capture_output=True, text=True, check=True).stdout.strip()
        body = json.dumps({'ref': 'refs/heads/main', 'after': commit,
                           'repository': {'clone_url': repo}}).encode()
        headers = {'X-Solum-Signature': 'sha256=' + hmac.new(
            secret.encode(), body, hashlib.sha256).hexdigest(),
            'X-Solum-Delivery': 'ks-1',
            'Content-Type': 'application/json'}
        bad = self.call('POST', '/v1/apps/%s/webhook' % app_id, data=body,
                        headers=dict(headers, **{
                            'X-Solum-Signature': 'sha256=' + '0' * 64}))
        self.assertEqual(401, bad.status_code, bad.text)
        resp = self.call('POST', '/v1/apps/%s/webhook' % app_id, data=body,
                         headers=headers)
        self.assertEqual(202, resp.status_code, resp.text)
        wf_uuid = resp.json()['workflow_id']

        def finished():
            wf = self.call('GET', '/v1/apps/%s/workflows/%s' % (
                app_id, wf_uuid), user='alice').json()
            return wf if states.is_finished(wf['status'],
                                            wf['actions']) else None
        wf = self.wait_until(finished, timeout=240, interval=0.5,
                             what='the webhook\'s workflow')
        self.assertEqual(self.cloud['users']['alice']['id'], wf['user_id'])
        if deployer_fixtures.unavailable() is None:
            # Built for real (the fake deployer "runs" it).
            self.assertEqual(states.DEPLOYMENT_COMPLETE, wf['status'],
                             wf.get('reason'))
        else:
            self.assertNotEqual(states.QUEUED, wf['status'])
        self.assertEqual(202, self.call('DELETE', '/v1/apps/%s' % app_id,
                                        user='alice').status_code)
        self.wait_until(
            lambda: self.call('GET', '/v1/apps/%s' % app_id,
                              user='alice').status_code == 404,
            timeout=120, what='the app to be deleted')
