"""The app's git remote on the client side: the deploy token bindings, the
`openstack app git-remote` and `app deploy-token` commands (against a fake
Solum), and the git-credential-solum helper (Keystone faked at the
session)."""

import configparser
import io
import os
import types

import fixtures
import testtools
import yaml
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from osc_lib import exceptions as osc_exc

from solumclient import client
from solumclient import exceptions
from solumclient import git_credential
from solumclient.osc.v1 import git
from solumclient.v1 import apps

APP_ID = '6f1c3e0a-9d3b-4b53-8f43-5a0e7c1d2b9e'
LOCAL_URL = 'http://127.0.0.1:9777/v1/apps/%s/git' % APP_ID
REMOTE_URL = 'https://solum.example.com/v1/apps/%s/git' % APP_ID
SECRET = 's3cr3t-deploy-token'


class _Response:
    def __init__(self, body):
        self.body = body

    def json(self):
        return self.body


class _RecordingHTTP:
    """Records each request; answers with ``body``."""

    def __init__(self, body=None):
        self.body = body
        self.requests = []

    def _record(self, method, path, **kwargs):
        self.requests.append((method, path, kwargs))
        return _Response(self.body)

    def get(self, path, **kwargs):
        return self._record('GET', path, **kwargs)

    def post(self, path, **kwargs):
        return self._record('POST', path, **kwargs)

    def delete(self, path, **kwargs):
        return self._record('DELETE', path, **kwargs)


class TestBindings(testtools.TestCase):

    def test_deploy_token_requests(self):
        http = _RecordingHTTP({'id': 't1'})
        manager = apps.AppManager(http)
        self.assertEqual({'id': 't1'},
                         manager.create_deploy_token('web', name='ci'))
        self.assertEqual({'id': 't1'}, manager.create_deploy_token('w b'))
        manager.list_deploy_tokens('web')
        self.assertIsNone(manager.delete_deploy_token('web', 'a/b'))
        self.assertEqual([
            ('POST', '/v1/apps/web/deploy_tokens', {'json': {'name': 'ci'}}),
            ('POST', '/v1/apps/w%20b/deploy_tokens', {'json': {}}),
            ('GET', '/v1/apps/web/deploy_tokens', {}),
            ('DELETE', '/v1/apps/web/deploy_tokens/a%2Fb', {}),
        ], http.requests)

    def test_uses_keystone(self):
        self.assertFalse(client.Client(
            endpoint='http://127.0.0.1:9777').http.uses_keystone)
        self.assertFalse(client.Client(session=ks_session.Session(
            auth=noauth.NoAuth()), endpoint='http://x').http.uses_keystone)
        self.assertTrue(client.Client(session=ks_session.Session(
            auth=token_endpoint.Token('http://x', 'tok'))).http.uses_keystone)


class _FakeApps:
    def __init__(self, git_url):
        self.app = {'id': APP_ID, 'name': 'web', 'git_url': git_url}
        self.calls = []

    def get(self, app):
        self.calls.append(('get', app))
        if app != 'web':
            raise exceptions.NotFound('App %s could not be found.' % app)
        return self.app

    def create_deploy_token(self, app, name=None):
        self.calls.append(('create_deploy_token', app, name))
        return {'id': 't1', 'name': name, 'token': SECRET,
                'username': 'deploy-token', 'git_url': self.app['git_url'],
                'created_at': '2026-01-01T00:00:00'}

    def list_deploy_tokens(self, app):
        self.calls.append(('list_deploy_tokens', app))
        return [{'id': 't1', 'name': 'ci', 'created_at': 'c1',
                 'last_used_at': None},
                {'id': 't2', 'name': None, 'created_at': 'c2',
                 'last_used_at': 'u2'}]

    def delete_deploy_token(self, app, token_id):
        self.calls.append(('delete_deploy_token', app, token_id))


class CommandTestCase(testtools.TestCase):

    def solum(self, git_url=LOCAL_URL, keystone=False):
        return types.SimpleNamespace(
            apps=_FakeApps(git_url),
            http=types.SimpleNamespace(uses_keystone=keystone))

    def openstack(self, solum, command_class, *argv):
        out = io.StringIO()
        shell = types.SimpleNamespace(
            client_manager=types.SimpleNamespace(
                application_deployment=solum),
            stdout=out, stderr=io.StringIO())
        command = command_class(shell, None)
        command.run(command.get_parser('openstack').parse_args(list(argv)))
        return out.getvalue()

    def shown(self, solum, command_class, *argv):
        return yaml.safe_load(self.openstack(solum, command_class, *argv,
                                             '-f', 'yaml'))


class TestGitRemote(CommandTestCase):

    def test_noauth_all_in_one_needs_no_credentials(self):
        shown = self.shown(self.solum(), git.GitRemote, 'web')
        self.assertEqual({
            'app': 'web', 'git_url': LOCAL_URL,
            'remote_add': 'git remote add solum ' + LOCAL_URL,
            'auth': 'none needed (noauth all-in-one): git push solum'},
            shown)

    def test_keystone_uses_the_credential_helper(self):
        for solum in (self.solum(keystone=True),
                      # No auth here, but the remote is elsewhere.
                      self.solum(git_url=REMOTE_URL)):
            git_url = solum.apps.app['git_url']
            shown = self.shown(solum, git.GitRemote, 'web')
            self.assertEqual('git remote add solum ' + git_url,
                             shown['remote_add'])
            self.assertEqual('git config credential.%s.helper solum' %
                             git_url, shown['credential_helper'])
            self.assertIn('Keystone token', shown['auth'])
            self.assertIn('openstack app deploy-token create web',
                          shown['auth'])

    def test_value_of_the_url(self):
        self.assertEqual(LOCAL_URL + '\n', self.openstack(
            self.solum(), git.GitRemote, 'web', '-f', 'value', '-c',
            'git_url'))

    def test_an_api_without_git_remotes(self):
        solum = self.solum(git_url=None)
        error = self.assertRaises(osc_exc.CommandError, self.openstack,
                                  solum, git.GitRemote, 'web')
        self.assertIn('App web has no git_url', str(error))

    def test_unknown_app(self):
        error = self.assertRaises(osc_exc.CommandError, self.openstack,
                                  self.solum(), git.GitRemote, 'nope')
        self.assertEqual('App nope could not be found (openstack app list '
                         'shows your apps).', str(error))

    def test_loopback(self):
        for url, loopback in (('http://127.0.0.1:9777/x', True),
                              ('http://127.3.4.5/x', True),
                              ('http://localhost:9777/x', True),
                              ('http://[::1]:9777/x', True),
                              ('http://10.0.0.5:9777/x', False),
                              ('https://solum.example.com/x', False),
                              ('not a url', False)):
            self.assertEqual(loopback, git.is_loopback(url), url)


class TestDeployTokenCommands(CommandTestCase):

    def test_create_shows_the_token_once_and_how_to_use_it(self):
        solum = self.solum(keystone=True)
        shown = self.shown(solum, git.CreateDeployToken, 'web', '--name',
                           'ci')
        self.assertEqual([('create_deploy_token', 'web', 'ci')],
                         solum.apps.calls)
        self.assertEqual(('t1', 'ci', 'deploy-token', SECRET, LOCAL_URL),
                         (shown['id'], shown['name'], shown['username'],
                          shown['token'], shown['git_url']))
        self.assertEqual('git remote add solum ' + LOCAL_URL,
                         shown['remote_add'])
        self.assertEqual('git config credential.%s.helper solum' %
                         LOCAL_URL, shown['credential_helper'])
        self.assertIn('SOLUM_DEPLOY_TOKEN', shown['usage'])
        # The secret is printed once, as itself: not inside any URL.
        for column, value in shown.items():
            if column != 'token':
                self.assertNotIn(SECRET, str(value), column)

    def test_create_without_a_name(self):
        solum = self.solum()
        self.shown(solum, git.CreateDeployToken, 'web')
        self.assertEqual([('create_deploy_token', 'web', None)],
                         solum.apps.calls)

    def test_list(self):
        solum = self.solum()
        out = self.openstack(solum, git.ListDeployTokens, 'web', '-f',
                             'value')
        self.assertEqual('t1 ci c1 None\nt2 None c2 u2\n', out)
        self.assertNotIn(SECRET, out)
        rows = yaml.safe_load(self.openstack(
            solum, git.ListDeployTokens, 'web', '-f', 'yaml'))
        self.assertEqual(set(git.DEPLOY_TOKEN_COLUMNS), set(rows[0]))

    def test_delete(self):
        solum = self.solum()
        self.assertEqual('', self.openstack(solum, git.DeleteDeployToken,
                                            'web', 't1'))
        self.assertEqual([('delete_deploy_token', 'web', 't1')],
                         solum.apps.calls)


class TestEntryPoints(testtools.TestCase):

    def test_commands_and_helper_are_registered(self):
        setup_cfg = configparser.ConfigParser()
        setup_cfg.read(os.path.join(os.path.dirname(__file__), '..', '..',
                                    '..', '..', 'setup.cfg'))
        points = setup_cfg['entry_points']
        commands = points['openstack.application_deployment.v1']
        for name, target in (
                ('app_git-remote', 'git:GitRemote'),
                ('app_deploy-token_create', 'git:CreateDeployToken'),
                ('app_deploy-token_list', 'git:ListDeployTokens'),
                ('app_deploy-token_delete', 'git:DeleteDeployToken')):
            self.assertIn('%s = solumclient.osc.v1.%s' % (name, target),
                          commands)
        self.assertIn('git-credential-solum = '
                      'solumclient.git_credential:main',
                      points['console_scripts'])


class _FakeSession:
    """Stands in for keystoneauth1's Session: no request goes out."""

    made = []
    answer = 'keystone-token'

    def __init__(self, auth=None, verify=True):
        self.auth = auth
        self.verify = verify
        _FakeSession.made.append(self)

    def get_token(self):
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


KEYSTONE_ENV = {
    'OS_AUTH_URL': 'http://keystone.example.com/identity/v3',
    'OS_USERNAME': 'demo', 'OS_PASSWORD': 'pw-never-shown',
    'OS_PROJECT_NAME': 'demo', 'OS_USER_DOMAIN_NAME': 'Default',
    'OS_PROJECT_DOMAIN_ID': 'default',
}
GIT_REQUEST = ('protocol=http\nhost=127.0.0.1:9777\npath=v1/apps/%s/git\n'
               '\n' % APP_ID)


class TestCredentialHelper(testtools.TestCase):

    def setUp(self):
        super().setUp()
        _FakeSession.made = []
        _FakeSession.answer = 'keystone-token'
        self.useFixture(fixtures.MockPatchObject(
            git_credential.ks_session, 'Session', _FakeSession))

    def helper(self, *argv, env=None, request=GIT_REQUEST):
        out, err = io.StringIO(), io.StringIO()
        code = git_credential.main(list(argv), stdin=io.StringIO(request),
                                   stdout=out, stderr=err, env=env or {})
        return code, out.getvalue(), err.getvalue()

    def test_read_request(self):
        self.assertEqual(
            {'protocol': 'https', 'host': 'h:1', 'path': 'v1/apps/x/git',
             'wwwauth[]': 'Basic realm="a=b"'},
            git_credential.read_request(io.StringIO(
                'protocol=https\r\nhost=h:1\npath=v1/apps/x/git\n'
                'wwwauth[]=Basic realm="a=b"\nnonsense\n\nafter=blank\n')))
        self.assertEqual({'host': 'h'}, git_credential.read_request(
            io.StringIO('host=h')))

    def test_deploy_token_from_the_environment(self):
        env = dict(KEYSTONE_ENV, SOLUM_DEPLOY_TOKEN=SECRET)
        self.assertEqual(
            (0, 'username=deploy-token\npassword=%s\n' % SECRET, ''),
            self.helper('get', env=env))
        # Keystone is not asked.
        self.assertEqual([], _FakeSession.made)

    def test_keystone_password(self):
        self.assertEqual((0, 'username=token\npassword=keystone-token\n',
                          ''), self.helper('get', env=KEYSTONE_ENV))
        [session] = _FakeSession.made
        self.assertTrue(session.verify)
        elements = session.auth.get_cache_id_elements()
        self.assertEqual(
            (KEYSTONE_ENV['OS_AUTH_URL'], 'demo', 'pw-never-shown', 'demo',
             'Default', 'default'),
            (elements['auth_url'], elements['username'],
             elements['password'], elements['project_name'],
             elements['user_domain_name'], elements['project_domain_id']))

    def test_keystone_token_and_tls_options(self):
        env = {'OS_AUTH_URL': 'https://k/v3', 'OS_TOKEN': 'tok',
               'OS_PROJECT_ID': 'p1', 'OS_CACERT': '/etc/ca.pem'}
        self.assertEqual(0, self.helper('get', env=env)[0])
        [session] = _FakeSession.made
        self.assertEqual('/etc/ca.pem', session.verify)
        elements = session.auth.get_cache_id_elements()
        self.assertEqual(('tok', 'p1'), (elements['token'],
                                         elements['project_id']))
        env['OS_INSECURE'] = 'true'
        self.helper('get', env=env)
        self.assertFalse(_FakeSession.made[-1].verify)

    def test_application_credential(self):
        env = {'OS_AUTH_URL': 'https://k/v3',
               'OS_APPLICATION_CREDENTIAL_ID': 'ac1',
               'OS_APPLICATION_CREDENTIAL_SECRET': 'acs'}
        self.assertEqual(0, self.helper('get', env=env)[0])
        self.assertEqual('ac1', _FakeSession.made[0].auth.
                         get_cache_id_elements()[
                         'application_credential_application_credential_id'])
        del env['OS_APPLICATION_CREDENTIAL_SECRET']
        code, out, err = self.helper('get', env=env)
        self.assertEqual((1, ''), (code, out))
        self.assertEqual('git-credential-solum: The OS_* variables do not '
                         'make a v3applicationcredential login: You must '
                         'provide an auth secret.\n', err)
        # A loader's own required option is named by its variable.
        code, out, err = self.helper('get', env={
            'OS_AUTH_URL': 'https://k/v3', 'OS_AUTH_TYPE': 'v3oidcaccesstoken',
            'OS_PROTOCOL': 'openid'})
        self.assertEqual((1, ''), (code, out))
        self.assertEqual('git-credential-solum: Missing '
                         'OS_IDENTITY_PROVIDER, OS_ACCESS_TOKEN for '
                         'OS_AUTH_TYPE v3oidcaccesstoken\n', err)

    def test_store_and_erase_do_nothing(self):
        for action in ('store', 'erase'):
            request = GIT_REQUEST.replace('\n\n', '\nusername=token\n'
                                          'password=x\n\n')
            self.assertEqual((0, '', ''), self.helper(
                action, env=KEYSTONE_ENV, request=request))
        self.assertEqual([], _FakeSession.made)

    def test_no_auth_environment(self):
        code, out, err = self.helper('get')
        self.assertEqual((1, ''), (code, out))
        self.assertTrue(err.startswith('git-credential-solum: OS_AUTH_URL '
                                       'is not set'), err)
        err = self.helper('get', env={'OS_CLOUD': 'devstack'})[2]
        self.assertIn('clouds.yaml is not read', err)
        err = self.helper('get', env=dict(KEYSTONE_ENV,
                                          OS_AUTH_TYPE='none'))[2]
        self.assertIn('OS_AUTH_TYPE is none', err)
        err = self.helper('get', env=dict(KEYSTONE_ENV,
                                          OS_AUTH_TYPE='nope'))[2]
        self.assertIn('OS_AUTH_TYPE nope is not a keystoneauth1', err)
        self.assertEqual([], _FakeSession.made)

    def test_keystone_refusal_never_shows_the_password(self):
        _FakeSession.answer = ks_exc.Unauthorized('The request you have '
                                                  'made requires '
                                                  'authentication.')
        code, out, err = self.helper('get', env=KEYSTONE_ENV)
        self.assertEqual((1, ''), (code, out))
        self.assertIn('Keystone at %s gave no token' %
                      KEYSTONE_ENV['OS_AUTH_URL'], err)
        self.assertNotIn('pw-never-shown', err)

    def test_other_hosts_get_nothing(self):
        # With credential.useHttpPath git names the path: not an app's.
        self.assertEqual((0, '', ''), self.helper(
            'get', env=KEYSTONE_ENV,
            request='protocol=https\nhost=github.com\npath=me/x.git\n\n'))
        self.assertEqual([], _FakeSession.made)

    def test_usage(self):
        for argv in ((), ('get', 'more'), ('list',)):
            code, out, err = self.helper(*argv)
            self.assertEqual((2, ''), (code, out))
            self.assertIn('usage: git-credential-solum', err)
