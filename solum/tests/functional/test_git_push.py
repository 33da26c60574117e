"""`git push` to an app's own git remote, against a real solum-all with
the local deployer: git's own client over loopback HTTP, git
http-backend, the repository's hooks relaying to the API, the builder,
Podman and the HAProxy router are all real.

The all-in-one's noauth identity is an administrator, who reaches every
project's apps: test_git_push_keystone covers tenancy, Keystone tokens
and deploy tokens."""

import os
import subprocess
import urllib.parse

import fixtures
import requests

from solum.tests.functional import base
from solum.tests.functional import deployer_fixtures
from solum.tests.functional import samples

APP = {
    'version': 1, 'name': 'pushed', 'languagepack': 'python',
    'ports': [8080],
    'workflow_config': {'test_cmd': 'python -m unittest -v',
                        'run_cmd': 'gunicorn --bind 0.0.0.0:8080 app:app'},
}


class TestGitPush(base.FunctionalTestCase):
    rpc_transport = 'local'
    deployer_driver = 'local'

    def setUp(self):
        reason = deployer_fixtures.unavailable()
        if reason:
            self.skipTest(reason)
        super().setUp()
        self.useFixture(fixtures.Timeout(900, gentle=True))
        self.addCleanup(deployer_fixtures.cleanup, 'ft-%s' % self.suffix,
                        self.state_path)
        self.start_service('solum-all')
        self.work = os.path.join(self.state_path, 'work')

    # --------------------------------------------------------- helpers

    def api(self, method, path, status, **kw):
        resp = requests.request(method, self.base_url + path, timeout=30,
                                **kw)
        self.assertEqual(status, resp.status_code, resp.text)
        return resp.json() if resp.content else None

    def git(self, *argv, check=True):
        config = ['-c', 'user.name=solum-tests', '-c',
                  'user.email=solum-tests@localhost']
        result = subprocess.run(
            ['git'] + config + list(argv), cwd=self.work,
            capture_output=True, text=True, timeout=600,
            env=dict(os.environ, GIT_TERMINAL_PROMPT='0'))
        if check:
            self.assertEqual(0, result.returncode,
                             result.stdout + result.stderr)
        return result

    def fetch(self, app_url):
        parts = urllib.parse.urlsplit(app_url)
        return requests.get('http://127.0.0.1:%d%s' % (parts.port,
                                                        parts.path),
                            headers={'Host': parts.netloc}, timeout=10)

    def workflows(self):
        return self.api('GET', '/v1/apps/%s/workflows' % self.app['id'],
                        200)

    # ------------------------------------------------------------ test

    def test_push_deploys_streams_its_build_and_guards_the_branch(self):
        self.app = self.api('POST', '/v1/apps', 201, json=APP)
        remote = self.app['git_url']
        self.assertEqual('%s/v1/apps/%s/git' % (self.base_url,
                                                self.app['id']), remote)
        samples.commit_python_sample(self.work, 'Hello first push')
        self.git('remote', 'add', 'solum', remote)

        # The push deploys and shows the build as it happens.
        pushed = self.git('push', 'solum', 'main')
        output = pushed.stderr
        self.assertIn('remote: -----> unit tests (test_cmd)', output)
        self.assertIn('remote: -----> build', output)
        self.assertIn('remote:        Ran 1 test', output)
        app = self.api('GET', '/v1/apps/%s' % self.app['id'], 200)
        self.assertIn('remote: -----> released v1: %s' % app['app_url'],
                      output)
        self.assertTrue(self.fetch(app['app_url']).text.startswith(
            'Hello first push! (served by '))
        head = self.git('rev-parse', 'HEAD').stdout.strip()
        (wf,) = self.workflows()
        self.assertEqual(head, wf['source']['revision'])
        self.assertEqual('DEPLOYMENT_COMPLETE', wf['status'])

        # A second push of a code change deploys under steady load, and
        # no request fails.
        samples.commit_python_sample(self.work, 'Hello second push')
        parts = urllib.parse.urlsplit(app['app_url'])
        load = deployer_fixtures.Load(
            'http://127.0.0.1:%d/' % parts.port, host=parts.netloc)
        load.start()
        try:
            pushed = self.git('push', 'solum', 'main')
            self.assertIn('remote: -----> released v2', pushed.stderr)
            self.assertTrue(self.wait_until(
                lambda: load.bodies and
                load.bodies[-1].startswith('Hello second push!'),
                timeout=30, interval=0.1,
                what='the load to see the second push'))
        finally:
            load.stop()
        self.assertEqual([], load.failures)
        self.assertGreater(len(load.bodies), 20)

        # A commit whose tests fail is stored, says why, and the release
        # before it keeps serving.
        samples.commit_python_sample(self.work, 'Goodbye')
        pushed = self.git('push', 'solum', 'main')
        self.assertIn('remote: -----> failed (UNIT_TESTING_FAILED)',
                      pushed.stderr)
        self.assertIn('the commit is stored; push a fix', pushed.stderr)
        self.assertEqual(self.git('rev-parse', 'HEAD').stdout.strip(),
                         self.remote_head('main'))
        self.assertTrue(self.fetch(app['app_url']).text.startswith(
            'Hello second push!'))

        # Another branch is stored and deploys nothing.
        self.git('checkout', '-q', '-b', 'feature')
        samples.commit_python_sample(self.work, 'Hello feature')
        pushed = self.git('push', 'solum', 'feature')
        self.assertIn('only pushes to main or master deploy', pushed.stderr)
        self.assertEqual(3, len(self.workflows()))
        self.assertEqual(self.git('rev-parse', 'feature').stdout.strip(),
                         self.remote_head('feature'))

        # Rewriting or deleting the deployed branch is refused.
        self.git('checkout', '-q', 'main')
        self.git('commit', '-q', '--amend', '-m', 'rewritten')
        forced = self.git('push', '--force', 'solum', 'main', check=False)
        self.assertNotEqual(0, forced.returncode)
        self.assertIn('a force push to main, the branch this app deploys '
                      'from, is refused', forced.stderr)
        deleted = self.git('push', 'solum', ':main', check=False)
        self.assertNotEqual(0, deleted.returncode)
        self.assertIn('deleting main', deleted.stderr)
        self.assertEqual(3, len(self.workflows()))

        # A clone gets what was pushed.
        clone = os.path.join(self.state_path, 'clone')
        self.git('clone', '-q', remote, clone)
        self.assertEqual(self.remote_head('main'), subprocess.run(
            ['git', '-C', clone, 'rev-parse', 'HEAD'], capture_output=True,
            text=True, check=True).stdout.strip())

        # Deleting the app removes its repository.
        repo = os.path.join(self.state_path, 'git', self.app['id'] + '.git')
        self.assertTrue(os.path.isdir(repo))
        self.api('DELETE', '/v1/apps/%s' % self.app['id'], 202)
        self.assertTrue(self.wait_until(
            lambda: not os.path.exists(repo), timeout=120, interval=0.5,
            what='the app\'s repository to be removed'))

    def remote_head(self, branch):
        out = self.git('ls-remote', 'solum', 'refs/heads/%s' % branch)
        return out.stdout.split()[0]
