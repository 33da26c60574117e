"""`openstack app ...` and `openstack languagepack ...` as real
subprocesses, against solum-all without auth and behind the real Keystone."""

import json
import os
import shutil
import subprocess
import urllib.parse

import requests
import yaml

from solum.tests.functional import base
from solum.tests.functional import deployer_fixtures
from solum.tests.functional import samples
from solum.tests.functional.harness import keystone

# A repository that is not there: the workflow fails at once, at fetch.
MISSING_REPO = 'file:///nonexistent/solum-test/app.git'
SAMPLE = os.path.join(os.path.dirname(__file__), '..', '..', '..',
                      'examples', 'python-hello', 'app.yaml')
NODE_SAMPLE = os.path.join(os.path.dirname(__file__), '..', '..', '..',
                           'examples', 'nodejs-hello')


class _OpenStackCLI(base.FunctionalTestCase):
    rpc_transport = 'local'

    def openstack(self, *argv, expect_ok=True, env=None):
        result = subprocess.run(
            [os.path.join(base.BIN, 'openstack')] + self.auth_args() +
            list(argv), capture_output=True, text=True, timeout=120,
            env=dict(os.environ, **(env or {})))
        if expect_ok:
            self.assertEqual(0, result.returncode,
                             'openstack %s failed:\n%s%s' % (
                                 ' '.join(argv), result.stdout,
                                 result.stderr))
        return result

    def openstack_json(self, *argv):
        return json.loads(self.openstack(*(argv + ('-f', 'json'))).stdout)

    def app_file(self, name='python-hello'):
        with open(SAMPLE) as f:
            document = yaml.safe_load(f)
        document['name'] = name
        document['source']['repository'] = MISSING_REPO
        path = os.path.join(self.state_path, '%s.yaml' % name)
        with open(path, 'w') as f:
            yaml.safe_dump(document, f)
        return path


class TestCLINoAuth(_OpenStackCLI):

    def setUp(self):
        super().setUp()
        self.start_service('solum-all')

    def auth_args(self):
        return ['--os-auth-type', 'none', '--os-endpoint', self.base_url]

    def test_app_lifecycle(self):
        app = self.openstack_json('app', 'create', '--app-file',
                                  self.app_file())
        self.assertEqual('python-hello', app['name'])
        self.assertEqual('CREATED', app['status'])
        listed = self.openstack_json('app', 'list')
        self.assertEqual(['python-hello'], [a['name'] for a in listed])
        # -f yaml parses to the same fields; -f value prints the values.
        shown = yaml.safe_load(self.openstack(
            'app', 'show', 'python-hello', '-f', 'yaml').stdout)
        self.assertEqual(app['id'], shown['id'])
        self.assertLessEqual({'id', 'name', 'status', 'app_url',
                              'languagepack', 'source', 'workflow_config'},
                             set(shown))
        self.assertEqual([app['id'], 'python-hello', 'CREATED'],
                         self.openstack('app', 'show', 'python-hello', '-f',
                                        'value', '-c', 'id', '-c', 'name',
                                        '-c', 'status').stdout.split())
        listed = yaml.safe_load(self.openstack('app', 'list', '-f',
                                               'yaml').stdout)
        self.assertEqual([('python-hello', 'CREATED')],
                         [(a['name'], a['status']) for a in listed])

        flags = self.openstack_json(
            'app', 'create', 'from-flags', '--git-url',
            MISSING_REPO, '--languagepack', 'python',
            '--run-cmd', 'python app.py', '--port', '8080', '--param',
            'GREETING=hi')
        self.assertEqual({'GREETING': 'hi'},
                         flags['parameters']['user_params'])
        changed = self.openstack_json('app', 'set', 'from-flags',
                                      '--revision', 'v2', '--param', 'X=1')
        self.assertEqual('v2', changed['source']['revision'])
        self.assertEqual({'GREETING': 'hi', 'X': '1'},
                         changed['parameters']['user_params'])

        # deploy --wait streams the log and exits non-zero with the
        # reason when the workflow fails.
        result = self.openstack('app', 'deploy', 'python-hello', '--wait',
                                expect_ok=False)
        self.assertEqual(1, result.returncode)
        self.assertIn('[conductor] QUEUED -> UNIT_TESTING', result.stderr)
        self.assertIn('ended ERROR:', result.stderr)
        self.assertIn('nonexistent', result.stderr.splitlines()[-1])

        wfs = self.openstack_json('app', 'workflow', 'list', 'python-hello')
        self.assertEqual([1], [w['wf_id'] for w in wfs])
        wf = self.openstack_json('app', 'workflow', 'show', 'python-hello',
                                 '1')
        self.assertEqual('ERROR', wf['status'])
        logs = self.openstack('app', 'logs', 'python-hello', '--workflow',
                              '1').stdout
        self.assertIn('[conductor] UNIT_TESTING -> ERROR', logs)

        # delete --wait returns once both apps are gone.
        result = self.openstack('app', 'delete', 'python-hello',
                                'from-flags', '--wait')
        self.assertIn('python-hello: deleted', result.stderr)
        self.assertIn('from-flags: deleted', result.stderr)
        self.assertEqual([], self.openstack_json('app', 'list'))
        self.assertEqual('', self.openstack('app', 'list', '-f',
                                            'value').stdout)

    def test_webhook_secret(self):
        app = self.openstack_json('app', 'create', '--app-file',
                                  self.app_file())
        shown = self.openstack_json('app', 'webhook', 'secret',
                                    'python-hello')
        self.assertEqual('%s/v1/apps/%s/webhook' % (self.base_url,
                                                    app['id']),
                         shown['webhook_url'])
        self.assertGreaterEqual(len(shown['secret']), 40)
        again = self.openstack_json('app', 'webhook', 'secret',
                                    'python-hello')
        self.assertTrue(again['rotated'])
        self.assertNotIn(again['secret'], self.openstack(
            'app', 'show', 'python-hello', '-f', 'json').stdout)

    def test_plans_and_language_packs(self):
        path = os.path.join(self.state_path, 'plan.yaml')
        with open(path, 'w') as f:
            f.write('version: 1\nname: p1\nartifacts:\n- name: web\n'
                    '  content: {href: "https://git.example.com/w.git"}\n')
        plan = self.openstack_json('app', 'plan', 'create', path)
        self.assertEqual('web', plan['artifacts'][0]['name'])
        self.assertEqual(['p1'], [p['name'] for p in self.openstack_json(
            'app', 'plan', 'list')])
        self.openstack('app', 'plan', 'delete', plan['uuid'])

        # create --wait streams the build log and exits non-zero with the
        # reason when the build fails (here at once: no repository).
        result = self.openstack('languagepack', 'create', 'java17',
                                MISSING_REPO, '--wait', expect_ok=False)
        self.assertEqual(1, result.returncode, result.stderr)
        last = result.stderr.strip().splitlines()[-1]
        self.assertTrue(last.startswith('Language pack java17 ended ERROR: '),
                        result.stderr)
        shown = yaml.safe_load(self.openstack(
            'languagepack', 'show', 'java17', '-f', 'yaml').stdout)
        self.assertEqual(('java17', 'ERROR'), (shown['name'],
                                               shown['status']))
        self.assertTrue(shown['reason'])
        self.assertIn(' '.join(shown['reason'].split()), last)
        self.assertEqual(['ERROR', MISSING_REPO], self.openstack(
            'languagepack', 'show', 'java17', '-f', 'value', '-c', 'status',
            '-c', 'source_uri').stdout.split())
        self.assertIn(shown['reason'], self.openstack(
            'languagepack', 'logs', 'java17').stdout)
        self.openstack('languagepack', 'delete', 'java17')

    def test_error_paths(self):
        result = self.openstack('app', 'show', 'nope', expect_ok=False)
        self.assertNotEqual(0, result.returncode)
        self.assertEqual('App nope could not be found (openstack app list '
                         'shows your apps).', result.stderr.strip())

        bad = os.path.join(self.state_path, 'bad.yaml')
        with open(bad, 'w') as f:
            f.write('version: 1\nname: Bad_Name\nlanguagepack: python\n'
                    'source: {repository: "https://h/r.git"}\n')
        result = self.openstack('app', 'create', '--app-file', bad,
                                expect_ok=False)
        self.assertNotEqual(0, result.returncode)
        self.assertIn('not a valid name', result.stderr)
        self.assertEqual(1, len(result.stderr.strip().splitlines()))

        result = self.openstack('app', 'create', '--app-file',
                                '/nonexistent.yaml', expect_ok=False)
        self.assertIn('Cannot read app file', result.stderr)

    def test_api_unreachable(self):
        port = base.free_port()
        result = subprocess.run(
            [os.path.join(base.BIN, 'openstack'), '--os-auth-type', 'none',
             '--os-endpoint', 'http://127.0.0.1:%d' % port, 'app', 'list'],
            capture_output=True, text=True, timeout=120)
        self.assertNotEqual(0, result.returncode)
        self.assertIn('Cannot reach the Solum API', result.stderr)
        self.assertEqual(1, len(result.stderr.strip().splitlines()))


class _AsKeystoneUser:
    """Mixed into a CLI test: solum-all behind the harness's Keystone, and
    the openstack CLI logged in as ``self.user``."""

    auth_strategy = 'keystone'
    user = 'alice'

    def setUp(self):
        try:
            self.cloud = keystone.ensure_keystone()
        except keystone.HarnessError as e:
            self.skipTest('Keystone harness unavailable: %s' % e)
        super().setUp()

    def extra_config(self):
        return base.keystone_config(self.cloud)

    def auth_args(self):
        user = self.cloud['users'][self.user]
        return ['--os-auth-url', self.cloud['auth_url'],
                '--os-username', user['name'],
                '--os-password', user['password'],
                '--os-project-name', user['project'],
                '--os-user-domain-id', 'default',
                '--os-project-domain-id', 'default',
                '--os-identity-api-version', '3']

    def openstack(self, *argv, expect_ok=True, env=None):
        # The catalog names the usual port; this test's API has its own.
        env = dict(env or {}, OS_APPLICATION_DEPLOYMENT_ENDPOINT_OVERRIDE=(
            self.base_url))
        return super().openstack(*argv, expect_ok=expect_ok, env=env)


class TestCLIKeystone(_AsKeystoneUser, _OpenStackCLI):

    def setUp(self):
        super().setUp()
        self.start_service('solum-all')

    def test_member_and_reader(self):
        app = self.openstack_json('app', 'create', '--app-file',
                                  self.app_file('kapp'))
        self.assertEqual(self.cloud['users']['alice']['project_id'],
                         app['project_id'])
        self.user = 'rita'
        self.assertEqual(['kapp'], [a['name'] for a in self.openstack_json(
            'app', 'list')])
        result = self.openstack('app', 'delete', 'kapp', expect_ok=False)
        self.assertNotEqual(0, result.returncode)
        self.assertIn('policy solum:apps:delete', result.stderr)
        self.assertIn('ask a project member or admin', result.stderr)
        self.assertEqual(1, len(result.stderr.strip().splitlines()))
        self.user = 'bob'
        result = self.openstack('app', 'show', 'kapp', expect_ok=False)
        self.assertIn('could not be found (openstack app list shows your '
                      'apps).', result.stderr)
        self.user = 'alice'
        self.openstack('app', 'delete', 'kapp')


class _EndToEnd(_OpenStackCLI):
    """noauth solum-all with the local deployer; its containers and router
    are removed afterwards."""

    deployer_driver = 'local'

    def setUp(self):
        reason = deployer_fixtures.unavailable()
        if reason:
            self.skipTest(reason)
        super().setUp()
        self.addCleanup(deployer_fixtures.cleanup, 'ft-%s' % self.suffix,
                        self.state_path)
        self.start_service('solum-all')

    def auth_args(self):
        return ['--os-auth-type', 'none', '--os-endpoint', self.base_url]

    def fetch(self, app_url):
        parts = urllib.parse.urlsplit(app_url)
        return requests.get('http://127.0.0.1:%d%s' % (parts.port,
                                                        parts.path),
                            headers={'Host': parts.netloc}, timeout=10)

    def assert_nothing_left(self):
        left = subprocess.run(
            ['podman', 'ps', '-aq', '--filter',
             'label=solum.host=ft-%s' % self.suffix],
            capture_output=True, text=True).stdout.split()
        self.assertEqual([], left)


class TestCLIEndToEnd(_EndToEnd):
    """What a user does first, through the real stack: openstack CLI ->
    API -> conductor -> builder (git, buildah, podman) -> local deployer
    (podman, HAProxy) -> HTTP 200 with the app's own content."""

    def sample_repo(self, greeting):
        return samples.commit_python_sample(
            os.path.join(self.state_path, 'python-hello'), greeting)

    def test_create_deploy_scale_rollback_delete(self):
        with open(SAMPLE) as f:
            document = yaml.safe_load(f)
        document['parameters']['user_params'] = {}
        app_file = os.path.join(self.state_path, 'app.yaml')
        with open(app_file, 'w') as f:
            yaml.safe_dump(document, f)
        self.openstack('app', 'create', '--app-file', app_file,
                       '--git-url', self.sample_repo('Hello one'))

        wf = self.openstack_json('app', 'deploy', 'python-hello', '--wait')
        self.assertEqual('DEPLOYMENT_COMPLETE', wf['status'])
        app = self.openstack_json('app', 'show', 'python-hello')
        url = app['app_url']
        self.assertTrue(urllib.parse.urlsplit(url).hostname.startswith(
            'python-hello.'), url)
        self.assertTrue(self.fetch(url).text.startswith('Hello one!'))

        result = self.openstack('app', 'scale', 'python-hello', '2',
                                '--wait', '-f', 'yaml')
        self.assertEqual(2, yaml.safe_load(result.stdout)['replicas'])
        self.assertIn('python-hello: 2 of 2 replica(s) running',
                      result.stderr)
        served = self.wait_until(
            lambda: (lambda hosts: hosts if len(hosts) == 2 else None)(
                {self.fetch(url).text.split('served by ')[1]
                 for _ in range(8)}), what='two replicas serving')
        self.assertEqual(2, len(served))
        logs = self.openstack('app', 'logs', 'python-hello').stdout
        self.assertIn('Booting worker', logs)

        self.openstack('app', 'set', 'python-hello', '--git-url',
                       self.sample_repo('Hello two'))
        self.openstack('app', 'deploy', 'python-hello', '--wait',
                       '--skip-tests')
        self.assertTrue(self.fetch(url).text.startswith('Hello two!'))
        self.assertEqual(url, self.openstack_json(
            'app', 'show', 'python-hello')['app_url'])

        wf = self.openstack_json('app', 'rollback', 'python-hello',
                                 '--wait')
        self.assertEqual('DEPLOYMENT_COMPLETE', wf['status'])
        self.assertTrue(self.fetch(url).text.startswith('Hello one!'))
        releases = self.openstack_json('app', 'release', 'list',
                                       'python-hello')
        self.assertEqual([1, 2, 3], sorted(r['number'] for r in releases))

        self.openstack('app', 'delete', 'python-hello', '--wait')
        self.assertEqual([], self.openstack_json('app', 'list'))
        self.assert_nothing_left()


class TestCLINodeEndToEnd(_EndToEnd):
    """The Node sample (examples/nodejs-hello) the same way: its app file
    as it is, the source from a git repository made here, ``npm test`` in
    the unit-test stage, served through the router."""

    def sample_repo(self, greeting):
        repo = os.path.join(self.state_path, 'nodejs-hello')
        shutil.copytree(NODE_SAMPLE, repo)
        with open(os.path.join(repo, 'server.js')) as f:
            code = f.read()
        self.assertIn("'Hello from Solum (node)'", code)
        with open(os.path.join(repo, 'server.js'), 'w') as f:
            f.write(code.replace("'Hello from Solum (node)'",
                                 repr(greeting)))
        subprocess.run(['git', 'init', '-q', '-b', 'main', repo],
                       check=True)
        subprocess.run(['git', '-C', repo, 'add', '-A'], check=True)
        subprocess.run(['git', '-C', repo, '-c', 'user.name=t', '-c',
                        'user.email=t@localhost', 'commit', '-q', '-m',
                        greeting], check=True)
        return 'file://' + repo

    def test_create_deploy_serve_delete(self):
        greeting = 'Hello from node %s' % self.suffix
        self.openstack('app', 'create', '--app-file',
                       os.path.join(NODE_SAMPLE, 'app.yaml'),
                       '--git-url', self.sample_repo(greeting))

        wf = self.openstack_json('app', 'deploy', 'nodejs-hello', '--wait')
        self.assertEqual('DEPLOYMENT_COMPLETE', wf['status'])
        logs = self.openstack('app', 'logs', 'nodejs-hello', '--workflow',
                              str(wf['wf_id'])).stdout
        # The unit-test stage ran the sample's own tests (npm test).
        self.assertIn('ok - GET / answers hello', logs)

        app = self.openstack_json('app', 'show', 'nodejs-hello')
        url = app['app_url']
        self.assertIn('nodejs-hello.solum.apps.localhost', url)
        resp = self.fetch(url)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertTrue(resp.text.startswith(greeting + '! (served by '),
                        resp.text)
        healthz = self.fetch(url.rstrip('/') + '/healthz')
        self.assertEqual((200, 'ok\n'), (healthz.status_code,
                                          healthz.text))
        # The path-based form, for clients without wildcard DNS.
        by_path = requests.get('http://127.0.0.1:%d/apps/solum/nodejs-hello/'
                               % self.router_port, timeout=10)
        self.assertEqual(200, by_path.status_code, by_path.text)
        self.assertTrue(by_path.text.startswith(greeting + '!'),
                        by_path.text)
        # The replica's own output reaches the app's logs.
        self.assertIn('listening on 8080', self.openstack(
            'app', 'logs', 'nodejs-hello').stdout)

        self.openstack('app', 'delete', 'nodejs-hello')
        self.wait_until(lambda: self.openstack_json('app', 'list') == [],
                        timeout=120, what='the app to be deleted')
        self.assert_nothing_left()


class TestCLIEndToEndKeystone(_AsKeystoneUser, TestCLIEndToEnd):
    """The same, as alice behind the real Keystone: her token for the API,
    her trust for Solum."""
