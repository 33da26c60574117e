"""solum-all behind a real Keystone: tokens, tenancy and RBAC."""

import requests

from solum.tests.functional import base
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
