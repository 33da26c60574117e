"""/v1/apps/{app}/git: the smart HTTP routes of an app's git remote
through the real middleware, Pecan app and git http-backend, on this
test's state path."""

import os
import time

from solum.api.middleware import auth
from solum.common import git_repos
from solum.db import api as db_api
from solum.tests.unit.api import base

ADVERTISEMENT = 'application/x-git-upload-pack-advertisement'


class TestGitRemote(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.app_id = self.create_app().json['id']
        self.path = '/v1/apps/%s/git' % self.app_id
        self.repo = os.path.join(self.state_path, 'git',
                                 '%s.git' % self.app_id)

    def refs(self, service='git-upload-pack', status=200, **kw):
        return self.get('%s/info/refs?service=%s' % (self.path, service),
                        status=status, **kw)

    def test_upload_pack_advertisement(self):
        self.assertFalse(os.path.exists(self.repo))
        resp = self.refs()
        self.assertEqual(ADVERTISEMENT, resp.content_type)
        self.assertTrue(resp.body.startswith(b'001e# service=git-upload-pack'),
                        resp.body[:80])
        # Made on first use, with the hooks relaying pushes to the API.
        self.assertEqual(self.repo, git_repos.path(self.app_id))
        self.assertTrue(git_repos.exists(self.app_id))
        for hook in git_repos.HOOKS:
            hook_path = os.path.join(self.repo, 'hooks', hook)
            self.assertTrue(os.access(hook_path, os.X_OK), hook)
            with open(hook_path) as f:
                self.assertIn('git_hook.main()', f.read())
        self.assertEqual('true\n', git_repos.git(
            self.repo, 'config', 'http.receivepack'))

    def test_receive_pack_advertisement(self):
        resp = self.refs('git-receive-pack')
        self.assertEqual('application/x-git-receive-pack-advertisement',
                         resp.content_type)
        self.assertTrue(
            resp.body.startswith(b'001f# service=git-receive-pack'))
        self.assertIn(b'push-options', resp.body)

    def test_unknown_service_is_404(self):
        for service in ('git-upload-archive', 'x', ''):
            self.refs(service, status=404)
        self.get('%s/info/refs' % self.path, status=404)

    def test_dumb_http_is_404(self):
        self.refs()  # the repository exists
        for rest in ('HEAD', 'objects/info/packs', 'config',
                     'hooks/pre-receive', 'info/refs/x', 'git-upload-pack'):
            self.get('%s/%s' % (self.path, rest), status=404)
        self.get(self.path, status=404)

    def test_another_projects_app_is_404(self):
        self.refs(status=404, project=base.PROJECT_B)
        self.assertFalse(os.path.exists(self.repo))
        self.app.post('%s/git-receive-pack' % self.path, b'',
                      headers=self.headers(project=base.PROJECT_B),
                      status=404)

    def test_reader_fetches_but_cannot_push(self):
        self.refs(roles='reader')
        self.app.post('%s/git-receive-pack' % self.path, b'',
                      headers=self.headers(roles='reader'), status=403)

    def test_no_identity_is_401(self):
        self.app.get('%s/info/refs?service=git-upload-pack' % self.path,
                     status=401)

    def test_disabled_is_404(self):
        self.conf.config(enabled=False, group='git')
        self.refs(status=404)
        self.assertFalse(os.path.exists(self.repo))

    def deploy_token_refs(self, token, app_id=None, status=200):
        return self.app.get(
            '/v1/apps/%s/git/info/refs?service=git-upload-pack' %
            (app_id or self.app_id),
            extra_environ={auth.DEPLOY_TOKEN_ENVIRON: token},
            status=status)

    def test_deploy_token(self):
        token = self.post_json('/v1/apps/%s/deploy_tokens' % self.app_id,
                               {}).json['token']
        resp = self.deploy_token_refs(token)
        self.assertEqual(ADVERTISEMENT, resp.content_type)
        [listed] = self.get('/v1/apps/%s/deploy_tokens' % self.app_id).json
        self.assertIsNotNone(listed['last_used_at'])

    def test_deploy_token_of_another_app_is_401(self):
        token = self.post_json('/v1/apps/%s/deploy_tokens' % self.app_id,
                               {}).json['token']
        other = self.create_app(name='other').json['id']
        self.deploy_token_refs(token, app_id=other, status=401)
        self.deploy_token_refs('sdt_wrong', status=401)
        # The same answer for an app that does not exist.
        self.deploy_token_refs(token, app_id='f' * 32, status=401)
        self.assertFalse(os.path.exists(git_repos.path(other)))

    def test_deploy_token_reaches_only_git_routes(self):
        token = self.post_json('/v1/apps/%s/deploy_tokens' % self.app_id,
                               {}).json['token']
        # KeystoneAuth sets the key on git routes only; should it reach
        # another route anyway, it is no identity there (was a 500: the
        # ContextHook skipped the context on every path).
        self.app.get('/v1/apps/%s' % self.app_id,
                     extra_environ={auth.DEPLOY_TOKEN_ENVIRON: token},
                     status=401)

    def test_conductor_delete_removes_the_repository(self):
        self.refs()
        self.assertTrue(os.path.isdir(self.repo))
        self.delete('/v1/apps/%s' % self.app_id)
        deadline = time.monotonic() + 10
        while os.path.exists(self.repo) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertFalse(os.path.exists(self.repo))
        self.assertRaises(Exception, db_api.get_app_by_uuid, None,
                          self.app_id)
