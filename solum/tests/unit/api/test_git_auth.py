"""The authentication of an app's git remote (HTTP Basic) in the Keystone
middleware: deploy tokens bypass auth_token, Keystone tokens go through
it, and every 401 of a git route carries a Basic challenge."""

import base64

import webob

from solum.api.middleware import auth
from solum.tests import base

GIT_PATH = '/v1/apps/0123/git/info/refs'


def basic(user, password):
    raw = ('%s:%s' % (user, password)).encode()
    return 'Basic ' + base64.b64encode(raw).decode()


class Recorder:
    """A WSGI app recording the environ it was called with."""

    def __init__(self, status='200 OK', headers=None):
        self.environ = None
        self.status = status
        self.headers = headers or [('Content-Type', 'text/plain')]

    def __call__(self, environ, start_response):
        self.environ = dict(environ)
        start_response(self.status, list(self.headers))
        return [b'ok']


class TestBasicCredentials(base.TestCase):

    def credentials(self, header):
        return auth.basic_credentials({'HTTP_AUTHORIZATION': header})

    def test_valid(self):
        self.assertEqual(('deploy-token', 'sdt_x:y'),
                         self.credentials(basic('deploy-token', 'sdt_x:y')))
        self.assertEqual(('me', 'tok'), self.credentials(
            'basic ' + base64.b64encode(b'me:tok').decode()))

    def test_empty_password(self):
        self.assertEqual(('me', ''), self.credentials(basic('me', '')))

    def test_missing_header(self):
        self.assertEqual((None, None), auth.basic_credentials({}))

    def test_not_basic(self):
        self.assertEqual((None, None), self.credentials('Bearer abc'))
        self.assertEqual((None, None), self.credentials(
            'Digest ' + base64.b64encode(b'me:tok').decode()))

    def test_bad_base64(self):
        self.assertEqual((None, None), self.credentials('Basic !!!notb64'))
        self.assertEqual((None, None), self.credentials('Basic YWJj='))

    def test_not_utf8(self):
        self.assertEqual((None, None), self.credentials(
            'Basic ' + base64.b64encode(b'\xff\xfe:x').decode()))

    def test_no_colon(self):
        self.assertEqual((None, None), self.credentials(
            'Basic ' + base64.b64encode(b'justauser').decode()))


class TestKeystoneAuthOnGit(base.TestCase):

    def setUp(self):
        super().setUp()
        self.downstream = Recorder()
        self.keystone = Recorder()
        self.middleware = auth.KeystoneAuth(
            self.downstream, {'www_authenticate_uri': 'http://ks.test'})
        # auth_token itself is not under test: record what reaches it.
        self.middleware.protected = self.keystone

    def call(self, path=GIT_PATH, method='GET', headers=None,
             environ=None):
        request = webob.Request.blank(path, method=method,
                                      headers=headers or {},
                                      environ=environ or {})
        return request.get_response(self.middleware)

    def test_deploy_token_skips_auth_token(self):
        resp = self.call(headers={
            'Authorization': basic('deploy-token', 'sdt_secret'),
            'X-Identity-Status': 'Confirmed',
            'X-Roles': 'admin',
            'X-Project-Id': 'someone-else',
            'X-Auth-Token': 'forged'})
        self.assertEqual(200, resp.status_int)
        self.assertIsNone(self.keystone.environ)
        seen = self.downstream.environ
        self.assertEqual('sdt_secret', seen[auth.DEPLOY_TOKEN_ENVIRON])
        self.assertNotIn('HTTP_AUTHORIZATION', seen)
        self.assertEqual([], [k for k in seen if k.startswith('HTTP_X_')])

    def test_deploy_token_on_receive_pack(self):
        self.call(path='/v1/apps/0123/git/git-receive-pack', method='POST',
                  headers={'Authorization': basic('deploy-token', 'sdt_t')})
        self.assertEqual('sdt_t',
                         self.downstream.environ[auth.DEPLOY_TOKEN_ENVIRON])
        self.assertIsNone(self.keystone.environ)

    def test_other_user_is_a_keystone_token(self):
        self.call(headers={'Authorization': basic('alice', 'ks-token'),
                           'X-Identity-Status': 'Confirmed'})
        self.assertIsNone(self.downstream.environ)
        seen = self.keystone.environ
        self.assertEqual('ks-token', seen['HTTP_X_AUTH_TOKEN'])
        self.assertNotIn('HTTP_AUTHORIZATION', seen)
        self.assertNotIn(auth.DEPLOY_TOKEN_ENVIRON, seen)

    def test_no_credentials_go_to_auth_token(self):
        self.call(headers={'X-Auth-Token': 'ks-token'})
        self.assertIsNone(self.downstream.environ)
        self.assertEqual('ks-token',
                         self.keystone.environ['HTTP_X_AUTH_TOKEN'])

    def test_environ_cannot_smuggle_a_deploy_token(self):
        # Without Basic credentials, on a git path and on others.
        for path in (GIT_PATH, '/v1/apps'):
            self.keystone.environ = None
            self.call(path=path,
                      environ={auth.DEPLOY_TOKEN_ENVIRON: 'sdt_smuggled'})
            self.assertNotIn(auth.DEPLOY_TOKEN_ENVIRON, self.keystone.environ)
        # With a Keystone token as the Basic password.
        self.call(headers={'Authorization': basic('alice', 'ks')},
                  environ={auth.DEPLOY_TOKEN_ENVIRON: 'sdt_smuggled'})
        self.assertNotIn(auth.DEPLOY_TOKEN_ENVIRON, self.keystone.environ)
        # On a public path.
        self.call(path='/v1', environ={auth.DEPLOY_TOKEN_ENVIRON: 'sdt_x'})
        self.assertNotIn(auth.DEPLOY_TOKEN_ENVIRON, self.downstream.environ)

    def test_401_of_git_route_is_a_basic_challenge(self):
        self.keystone.status = '401 Unauthorized'
        self.keystone.headers = [
            ('Content-Type', 'text/plain'),
            ('WWW-Authenticate', 'Keystone uri="https://ks.example.com"')]
        resp = self.call(headers={'Authorization': basic('alice', 'bad')})
        self.assertEqual(401, resp.status_int)
        self.assertEqual(['Basic realm="Solum git remote"'],
                         resp.headers.getall('WWW-Authenticate'))

    def test_401_of_deploy_token_is_a_basic_challenge(self):
        self.downstream.status = '401 Unauthorized'
        resp = self.call(headers={
            'Authorization': basic('deploy-token', 'sdt_wrong')})
        self.assertEqual(['Basic realm="Solum git remote"'],
                         resp.headers.getall('WWW-Authenticate'))

    def test_other_statuses_of_git_route_unchanged(self):
        self.keystone.headers = [('WWW-Authenticate', 'Keystone uri="x"')]
        resp = self.call()
        self.assertEqual(200, resp.status_int)
        self.assertEqual(['Keystone uri="x"'],
                         resp.headers.getall('WWW-Authenticate'))

    def test_non_git_paths_unchanged(self):
        self.keystone.status = '401 Unauthorized'
        self.keystone.headers = [('WWW-Authenticate', 'Keystone uri="x"')]
        for path in ('/v1/apps', '/v1/apps/0123', '/v1/apps/0123/gitx',
                     '/v1/apps/0123/deploy_tokens'):
            resp = self.call(path=path, headers={
                'Authorization': basic('deploy-token', 'sdt_t'),
                'X-Identity-Status': 'Confirmed'})
            self.assertEqual(401, resp.status_int)
            self.assertEqual(['Keystone uri="x"'],
                             resp.headers.getall('WWW-Authenticate'))
            seen = self.keystone.environ
            # Basic credentials mean nothing off the git routes.
            self.assertEqual(basic('deploy-token', 'sdt_t'),
                             seen['HTTP_AUTHORIZATION'])
            self.assertNotIn('HTTP_X_AUTH_TOKEN', seen)
            self.assertNotIn(auth.DEPLOY_TOKEN_ENVIRON, seen)
        self.assertIsNone(self.downstream.environ)

    def test_public_paths_skip_auth_token(self):
        self.call(path='/healthcheck')
        self.assertIsNotNone(self.downstream.environ)
        self.assertIsNone(self.keystone.environ)

    def test_is_git(self):
        self.assertTrue(auth.is_git('/v1/apps/x/git'))
        self.assertTrue(auth.is_git('/v1/apps/x/git/info/refs'))
        self.assertFalse(auth.is_git('/v1/apps/x/git.json'))
        self.assertFalse(auth.is_git('/v1/apps/x/gitlab'))
        self.assertFalse(auth.is_git('/v1/apps/x/y/git'))
        self.assertFalse(auth.is_git('/v2/apps/x/git'))
