"""Who may push to an app's git remote, against a real Keystone: git's
own client over loopback HTTP with the shipped credential helper
(git-credential-solum, reading OS_* as from an openrc) or a deploy token
(SOLUM_DEPLOY_TOKEN), and solum-all's real auth_token pipeline.

The app's trigger_actions are ["deploy"], so an accepted push stores
the commit and starts nothing: this test is about authentication and
tenancy (test_git_push deploys)."""

import os
import subprocess

import requests

from solum.tests.functional import base
from solum.tests.functional import samples
from solum.tests.functional.harness import keystone

APP = {'version': 1, 'name': 'guarded', 'languagepack': 'python',
       'trigger_actions': ['deploy']}
STORED = 'do not build a new commit, so nothing was started'


class TestGitPushKeystone(base.FunctionalTestCase):
    auth_strategy = 'keystone'
    rpc_transport = 'local'

    def setUp(self):
        try:
            self.cloud = keystone.ensure_keystone()
        except keystone.HarnessError as e:
            self.skipTest('Keystone harness unavailable: %s' % e)
        super().setUp()
        self.start_service('solum-all')
        self.work = os.path.join(self.state_path, 'work')
        samples.commit_python_sample(self.work, 'Hello Keystone')

    def extra_config(self):
        return base.keystone_config(self.cloud)

    def call(self, method, path, user, status, **kw):
        resp = requests.request(
            method, self.base_url + path, timeout=30,
            headers={'X-Auth-Token': keystone.get_token(user)}, **kw)
        self.assertEqual(status, resp.status_code, resp.text)
        return resp.json() if resp.content else None

    def openrc(self, user):
        """The OS_* variables of an openrc file of ``user``."""
        creds = self.cloud['users'][user]
        return {'OS_AUTH_URL': self.cloud['auth_url'],
                'OS_USERNAME': user, 'OS_PASSWORD': creds['password'],
                'OS_PROJECT_NAME': creds['project'],
                'OS_USER_DOMAIN_ID': self.cloud['user_domain_id'],
                'OS_PROJECT_DOMAIN_ID': self.cloud['project_domain_id'],
                'OS_IDENTITY_API_VERSION': '3'}

    def git(self, *argv, env=None, cwd=None):
        """git with the shipped helper as its only credential helper."""
        clean = {k: v for k, v in os.environ.items()
                 if not k.startswith('OS_') and k != 'SOLUM_DEPLOY_TOKEN'}
        clean.update(env or {}, GIT_TERMINAL_PROMPT='0')
        helper = os.path.join(base.BIN, 'git-credential-solum')
        return subprocess.run(
            ['git', '-c', 'credential.helper=', '-c',
             'credential.helper=%s' % helper, '-c', 'user.name=t', '-c',
             'user.email=t@localhost'] + list(argv),
            cwd=cwd or self.work, env=clean, capture_output=True, text=True,
            timeout=120)

    def assert_pushed(self, result):
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn(STORED, result.stderr)

    def assert_refused(self, result, why):
        self.assertNotEqual(0, result.returncode, result.stderr)
        self.assertIn(why, result.stderr)

    def test_tokens_deploy_tokens_and_tenancy(self):
        app = self.call('POST', '/v1/apps', 'alice', 201, json=APP)
        other = self.call('POST', '/v1/apps', 'alice', 201,
                          json=dict(APP, name='other'))
        remote = app['git_url']

        # No credentials: git is challenged, has none, and gives up.
        self.assert_refused(self.git('push', remote, 'main'),
                            'terminal prompts disabled')

        # The owner's project member, through the credential helper.
        self.assert_pushed(self.git('push', remote, 'main',
                                    env=self.openrc('alice')))
        # Another project's member: the app does not exist for them.
        self.assert_refused(self.git('push', remote, 'main',
                                     env=self.openrc('bob')), 'not found')
        # A reader of the project may clone, not push.
        clone = os.path.join(self.state_path, 'clone')
        result = self.git('clone', '-q', remote, clone,
                          env=self.openrc('rita'), cwd=self.state_path)
        self.assertEqual(0, result.returncode, result.stderr)
        samples.commit_python_sample(self.work, 'Hello reader')
        self.assert_refused(self.git('push', remote, 'main',
                                     env=self.openrc('rita')), 'error: 403')

        # A deploy token pushes to its app, not to another one.
        created = self.call('POST', '/v1/apps/%s/deploy_tokens' % app['id'],
                            'alice', 201, json={'name': 'ci'})
        token = created['token']
        self.assertEqual('deploy-token', created['username'])
        listed = self.call('GET', '/v1/apps/%s/deploy_tokens' % app['id'],
                           'alice', 200)
        self.assertEqual([created['id']], [t['id'] for t in listed])
        self.assertNotIn(token, str(listed))
        self.call('GET', '/v1/apps/%s/deploy_tokens' % app['id'], 'bob',
                  404)
        with_token = {'SOLUM_DEPLOY_TOKEN': token}
        self.assert_pushed(self.git('push', remote, 'main', env=with_token))
        self.assert_refused(self.git('push', other['git_url'], 'main',
                                     env=with_token),
                            'Authentication failed')
        shown = self.call('GET', '/v1/apps/%s/deploy_tokens' % app['id'],
                          'alice', 200)
        self.assertIsNotNone(shown[0]['last_used_at'])

        # Revoked, it pushes nothing more.
        self.call('DELETE', '/v1/apps/%s/deploy_tokens/%s' % (
            app['id'], created['id']), 'alice', 204)
        samples.commit_python_sample(self.work, 'Hello revoked')
        self.assert_refused(self.git('push', remote, 'main', env=with_token),
                            'Authentication failed')

        # The token never reached the service's log.
        with open(self.services['solum-all'].log_path) as f:
            self.assertNotIn(token, f.read())
