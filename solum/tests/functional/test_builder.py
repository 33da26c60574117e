"""The builder end to end: the real API, conductor and builder (in one
process, over the in-process RPC bus), real git repositories created by the
tests (file://), real buildah builds and Podman containers.

They need root, podman and buildah (tools/install-container-tools.sh) and
skip with the reason otherwise.  The base images are bootstrapped on first
use (~35 s for python, ~75 s for nodejs) and reused afterwards; pip and npm
reach their indexes through the host's proxy.
"""

import json
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
import uuid

import fixtures

from solum.builder import cgroups
from solum.builder import code_layer
from solum.common import images
from solum.common import states
from solum.tests.functional import base as ft_base
from solum.tests.unit.api import base as api_base

# Captured before any test patches them.
REAL_IMAGE_QUERIES = {name: getattr(images, name) for name in (
    'refs_with_labels', 'ids_with_labels')}
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__)))))
EXAMPLES = os.path.join(REPO_ROOT, 'examples')


def missing_prerequisite():
    for tool in ('podman', 'buildah', 'git'):
        if shutil.which(tool) is None:
            return ('%s is not installed (run '
                    'tools/install-container-tools.sh)' % tool)
    if os.geteuid() != 0:
        return 'needs root (rootful buildah and podman)'
    return None


def git(repo, *args):
    subprocess.run(['git', '-C', repo, '-c', 'user.name=Solum Test', '-c',
                    'user.email=test@solum.invalid', '-c',
                    'commit.gpgsign=false'] + list(args),
                   check=True, capture_output=True, timeout=60)


def make_repo(parent, files=None, example=None, branch='main'):
    """A git repository with ``example``'s files and ``files`` on top;
    returns (path, commit sha)."""
    path = os.path.join(parent, 'repo-%s' % uuid.uuid4().hex[:8])
    if example:
        shutil.copytree(os.path.join(EXAMPLES, example), path)
    else:
        os.makedirs(path)
    for name, text in (files or {}).items():
        with open(os.path.join(path, name), 'w') as f:
            f.write(text)
    subprocess.run(['git', 'init', '-q', '-b', branch, path], check=True,
                   timeout=60)
    git(path, 'add', '-A')
    git(path, 'commit', '-q', '-m', 'test commit')
    sha = subprocess.run(['git', '-C', path, 'rev-parse', 'HEAD'],
                         capture_output=True, text=True,
                         check=True).stdout.strip()
    return path, sha


def app_image_ids(app_uuid):
    """Ids of the local images labelled as built for the app."""
    return REAL_IMAGE_QUERIES['ids_with_labels']({images.LABEL_APP: app_uuid})


def remove_app_images(app_uuid):
    # Not --force: it would remove containers using the images' parent
    # layers, such as the working container of a build in another worker.
    refs = REAL_IMAGE_QUERIES['refs_with_labels']({images.LABEL_APP:
                                                   app_uuid})
    if refs:
        subprocess.run(['podman', 'rmi'] + refs, capture_output=True,
                       check=False, timeout=120)


def http_get(url, timeout=20):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310
                return resp.status, resp.read().decode()
        except (urllib.error.URLError, ConnectionError, OSError) as e:
            last = e
            time.sleep(0.1)
    raise AssertionError('%s did not answer: %s' % (url, last))


class BuilderTestCase(api_base.APITestCase):
    """APITestCase (real API, conductor, builder in process) plus real
    repositories and container tools."""

    def setUp(self):
        reason = missing_prerequisite()
        if reason:
            self.skipTest(reason)
        super().setUp()
        # The unit-test base fakes the image listing (no container storage
        # there); here the real one finds, and cleans up, real images.
        for name, query in REAL_IMAGE_QUERIES.items():
            self.useFixture(fixtures.MonkeyPatch(
                'solum.common.images.%s' % name, query))
        # The unit-test base allows file:// only; here the defaults apply.
        self.conf.config(git_allowed_protocols=['https', 'ssh', 'file'],
                         group='builder')
        # SOLUM_TEST_BUILD_ISOLATION=oci runs the same tests with buildah's
        # OCI isolation (cgroup limits on build steps).
        self.conf.config(isolation=os.environ.get(
            'SOLUM_TEST_BUILD_ISOLATION', 'chroot'), group='builder')
        self.conf.config(build_cgroups=True, group='builder')
        self.useFixture(fixtures.Timeout(900, gentle=True))
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.containers = []

    def create_app(self, name='hello', status=201, repo=None,
                   languagepack='python', config=None, **kw):
        body = {'version': 1, 'name': name, 'languagepack': languagepack,
                'source': {'repository': 'file://' + repo,
                           'revision': kw.pop('revision', 'main')},
                'ports': [8080]}
        if config:
            body['workflow_config'] = config
        resp = self.post_json('/v1/apps', body, status=status)
        if status == 201:
            self.addCleanup(remove_app_images, resp.json['id'])
        return resp.json

    def run_workflow(self, app, actions=('unittest', 'build'), timeout=600):
        path = '/v1/apps/%s/workflows' % app['id']
        wf = self.post_json(path, {'actions': list(actions)}).json
        self.wait_for_workflow(wf['id'], timeout=timeout)
        shown = self.get('%s/%d' % (path, wf['wf_id'])).json
        logs = self.get('%s/%d/logs' % (path, wf['wf_id'])).json
        self.addDetail('workflow-log', _text('\n'.join(
            '[%s] %s' % (x['stage'], x['message']) for x in logs)))
        return shown, logs

    def run_container(self, image, env=None):
        port = ft_base.free_port()
        name = 'solum-ft-%s' % uuid.uuid4().hex[:8]
        cmd = ['podman', 'run', '-d', '--name', name, '-p',
               '127.0.0.1:%d:8080' % port]
        for key, value in (env or {}).items():
            cmd += ['-e', '%s=%s' % (key, value)]
        subprocess.run(cmd + [image], check=True, capture_output=True,
                       timeout=60)
        self.addCleanup(self.remove_containers, [name])
        self.containers.append(name)
        return 'http://127.0.0.1:%d' % port

    def remove_containers(self, names=None):
        """What the deployer does before the builder deletes images."""
        names = self.containers if names is None else names
        if names:
            subprocess.run(['podman', 'rm', '-f', '-t', '0'] + list(names),
                           capture_output=True, check=False, timeout=60)

    def delete_app(self, app):
        self.remove_containers()
        self.delete('/v1/apps/%s' % app['id'])
        for _ in range(300):
            if not self.get('/v1/apps').json:
                break
            time.sleep(0.1)
        self.assertEqual([], self.get('/v1/apps').json)


def _text(value):
    from testtools import content
    return content.text_content(value)


class TestPythonApp(BuilderTestCase):

    def test_builds_tests_and_serves(self):
        repo, sha = make_repo(self.tmp, example='python-hello')
        app = self.create_app(repo=repo, config={
            'test_cmd': 'python -m unittest -v'})
        wf, logs = self.run_workflow(app)
        self.assertEqual(states.BUILT, wf['status'], wf['reason'])
        self.assertEqual(
            ['QUEUED', 'UNIT_TESTING', 'UNIT_TESTING_PASSED', 'BUILDING',
             'BUILT'], [t['to'] for t in wf['transitions']])
        result = wf['result']
        self.assertEqual(sha, result['commit'])
        self.assertEqual('local', result['store'])
        self.assertTrue(result['image'].startswith(
            'localhost/solum/%s/hello:' % api_base.PROJECT_A))
        self.assertEqual(result['image'], result['candidate_image'])
        text = '\n'.join(x['message'] for x in logs)
        self.assertIn('test_hello', text)  # unittest -v output, streamed
        self.assertIn('reusing the image tested', text)
        self.assertEqual({'build', 'conductor', 'unittest'},
                         {x['stage'] for x in logs})
        labels = images.labels(result['image'])
        self.assertEqual(app['id'], labels[images.LABEL_APP])
        self.assertEqual(sha, labels[images.LABEL_COMMIT])
        self.assertEqual(result['build_id'], labels[images.LABEL_BUILD_ID])
        self.assertEqual('1000:1000', images.user(result['image']))
        url = self.run_container(result['image'])
        status, body = http_get(url + '/')
        self.assertEqual(200, status)
        self.assertIn('Hello from Solum!', body)

    def image_config(self, ref):
        return json.loads(images.inspect(
            ref, '{"user": {{json .Config.User}}, "cmd": {{json '
            '.Config.Cmd}}, "env": {{json .Config.Env}}, "workdir": {{json '
            '.Config.WorkingDir}}}'))

    def test_a_code_only_rebuild_skips_bud(self):
        repo, _sha = make_repo(self.tmp, example='python-hello')
        app = self.create_app(name='layers', repo=repo)
        first, logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.BUILT, first['status'], first['reason'])
        self.assertIn('STEP 1/', '\n'.join(x['message'] for x in logs))
        # The dependency image is found after the build, off its path.
        code_layer.settle()
        app_py = os.path.join(repo, 'app.py')
        with open(app_py) as f:
            code = f.read()
        with open(app_py, 'w') as f:
            f.write(code.replace("'Hello from Solum'", "'Layered'"))
        git(repo, 'commit', '-q', '-am', 'code only')
        second, logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.BUILT, second['status'], second['reason'])
        text = '\n'.join(x['message'] for x in logs)
        self.assertIn('code-only change: the code goes onto the cached '
                      'dependency image', text)
        self.assertNotIn('STEP 1/', text)
        image = second['result']['image']
        # The same image as bud makes: configuration and labels.
        self.assertEqual(self.image_config(first['result']['image']),
                         self.image_config(image))
        labels = images.labels(image)
        self.assertEqual((app['id'], second['result']['commit']),
                         (labels[images.LABEL_APP],
                          labels[images.LABEL_COMMIT]))
        url = self.run_container(image)
        self.assertIn('Layered! (served by', http_get(url + '/')[1])
        # Changed requirements: bud again (the dependency layer changes).
        with open(os.path.join(repo, 'requirements.txt'), 'a') as f:
            f.write('# pinned later\n')
        git(repo, 'commit', '-q', '-am', 'requirements')
        third, logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.BUILT, third['status'], third['reason'])
        text = '\n'.join(x['message'] for x in logs)
        self.assertIn('STEP 1/', text)
        self.assertNotIn('code-only change', text)

    def test_pyproject_and_procfile(self):
        repo, _sha = make_repo(self.tmp, example='python-hello', files={
            'pyproject.toml': '[project]\nname = "hello"\nversion = "1"\n'
                              'dependencies = ["flask>=3.0", '
                              '"gunicorn>=22.0"]\n',
            'Procfile': 'web: gunicorn --bind 0.0.0.0:$PORT app:app\n'})
        os.unlink(os.path.join(repo, 'requirements.txt'))
        git(repo, 'commit', '-q', '-am', 'pyproject only')
        app = self.create_app(name='pyproj', repo=repo, languagepack='auto')
        wf, logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.BUILT, wf['status'], wf['reason'])
        text = '\n'.join(x['message'] for x in logs)
        self.assertIn('[project].dependencies of pyproject.toml', text)
        self.assertIn('the web: line of the Procfile', text)
        url = self.run_container(wf['result']['image'],
                                 env={'GREETING': 'Hi from pyproject'})
        self.assertIn('Hi from pyproject!', http_get(url + '/')[1])

    def test_failing_tests(self):
        repo, _sha = make_repo(self.tmp, example='python-hello', files={
            'test_app.py': 'import unittest\n\n\n'
                           'class T(unittest.TestCase):\n'
                           '    def test_fails(self):\n'
                           '        self.assertEqual(1, 2)\n'})
        app = self.create_app(repo=repo, config={
            'test_cmd': 'python -m unittest -v'})
        wf, logs = self.run_workflow(app, actions=('unittest', 'build',
                                                   'deploy'))
        self.assertEqual(states.UNIT_TESTING_FAILED, wf['status'])
        self.assertEqual('test_cmd exited 1', wf['reason'])
        text = '\n'.join(x['message'] for x in logs)
        self.assertIn('AssertionError: 1 != 2', text)
        # No image is kept.
        self.assertEqual([], app_image_ids(app['id']))

    def test_broken_manifest(self):
        repo, _sha = make_repo(self.tmp, example='python-hello', files={
            'requirements.txt': 'flsk\ngunicorn\n'})
        app = self.create_app(repo=repo)
        wf, _logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.ERROR, wf['status'])
        self.assertEqual("requirements.txt: no matching distribution for "
                         "'flsk'", wf['reason'])

    def test_without_test_cmd_unit_tests_pass_trivially(self):
        repo, _sha = make_repo(self.tmp, example='python-hello')
        app = self.create_app(repo=repo, name='notests')
        wf, logs = self.run_workflow(app)
        self.assertEqual(states.BUILT, wf['status'], wf['reason'])
        self.assertIn('UNIT_TESTING_PASSED',
                      [t['to'] for t in wf['transitions']])
        self.assertIn('no test_cmd', '\n'.join(x['message'] for x in logs))
        # Nothing was built for the unit-test stage.
        self.assertNotIn('candidate_image', wf['result'])


class TestNodeApp(BuilderTestCase):

    def test_builds_tests_and_serves(self):
        repo, sha = make_repo(self.tmp, example='nodejs-hello')
        app = self.create_app(name='node', repo=repo, languagepack='nodejs',
                              config={'test_cmd': 'npm test'})
        wf, logs = self.run_workflow(app)
        self.assertEqual(states.BUILT, wf['status'], wf['reason'])
        self.assertEqual(sha, wf['result']['commit'])
        self.assertIn('ok - GET / answers hello',
                      '\n'.join(x['message'] for x in logs))
        url = self.run_container(wf['result']['image'],
                                 env={'GREETING': 'Hi from node'})
        status, body = http_get(url + '/')
        self.assertEqual(200, status)
        self.assertIn('Hi from node!', body)


    def test_broken_manifest(self):
        package = {'name': 'broken', 'version': '1.0.0',
                   'scripts': {'start': 'node server.js'},
                   'dependencies': {'solum-no-such-package-zz9': '^1.0.0'}}
        repo, _sha = make_repo(self.tmp, example='nodejs-hello', files={
            'package.json': json.dumps(package)})
        app = self.create_app(name='nodebroken', repo=repo,
                              languagepack='nodejs')
        wf, _logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.ERROR, wf['status'])
        self.assertEqual("package.json: package 'solum-no-such-package-zz9' "
                         "is not in the npm registry", wf['reason'])


class TestSourceProblems(BuilderTestCase):

    def test_unknown_language(self):
        repo, _sha = make_repo(self.tmp, files={'README': 'just text\n'})
        app = self.create_app(name='nolang', repo=repo, languagepack='auto')
        wf, _logs = self.run_workflow(app, actions=('unittest', 'build'))
        self.assertEqual(states.ERROR, wf['status'])
        self.assertIn('no language pack fits: no requirements.txt, '
                      'pyproject.toml, package.json or Containerfile found',
                      wf['reason'])

    def test_missing_revision(self):
        repo, _sha = make_repo(self.tmp, example='python-hello')
        app = self.create_app(name='norev', repo=repo, revision='nope')
        wf, _logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.ERROR, wf['status'])
        self.assertIn("revision 'nope' not found", wf['reason'])

    def test_injection_refused_by_the_api(self):
        for url in ('--upload-pack=touch /tmp/pwned', 'ext::sh -c id',
                    'fd::17'):
            body = {'version': 1, 'name': 'inject', 'languagepack': 'auto',
                    'source': {'repository': url, 'revision': 'main'}}
            resp = self.post_json('/v1/apps', body, status=400)
            self.assertIn('source.repository', resp.json['faultstring'])
        body = {'version': 1, 'name': 'inject', 'languagepack': 'auto',
                'source': {'repository': 'https://git.example.com/a.git',
                           'revision': '--output=/tmp/x'}}
        resp = self.post_json('/v1/apps', body, status=400)
        self.assertIn('revision', resp.json['faultstring'])


CONTAINERFILE = '''FROM localhost/solum/base-python:bookworm
USER 1000:1000
WORKDIR /home/solum/app
COPY --chown=1000:1000 . /home/solum/app
CMD ["python3", "-m", "http.server", "8080"]
'''


class TestDockerfileApp(BuilderTestCase):

    def test_own_containerfile_builds_serves_and_is_deleted(self):
        repo, sha = make_repo(self.tmp, files={
            'Containerfile': CONTAINERFILE,
            'index.html': 'own containerfile content\n'})
        app = self.create_app(name='own', repo=repo, languagepack='auto')
        wf, logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.BUILT, wf['status'], wf['reason'])
        image = wf['result']['image']
        self.assertEqual(sha, images.labels(image)[
            images.LABEL_COMMIT])
        url = self.run_container(image)
        self.assertIn('own containerfile content', http_get(url + '/')[1])
        # Deleting the app deletes its images.
        self.delete_app(app)
        self.assertEqual([], app_image_ids(app['id']))

    def test_log_lines_are_readable_while_the_build_runs(self):
        repo, _sha = make_repo(self.tmp, files={
            'Containerfile': CONTAINERFILE.replace(
                'WORKDIR', 'RUN echo slow-step-started && sleep 4\nWORKDIR')})
        app = self.create_app(name='slow', repo=repo, languagepack='auto')
        path = '/v1/apps/%s/workflows' % app['id']
        wf = self.post_json(path, {'actions': ['build']}).json
        seen_while_building = False
        for _ in range(600):
            lines = self.get('%s/1/logs' % path).json
            status = self.get('%s/1' % path).json['status']
            if any('slow-step-started' in x['message'] for x in lines):
                seen_while_building = status == states.BUILDING
                break
            time.sleep(0.05)
        self.assertTrue(seen_while_building)
        self.assertEqual(states.BUILT, self.wait_for_workflow(
            wf['id'], timeout=120).status)

    def assert_no_leftover_cgroups(self):
        """No build cgroup is left. Builds of tests running at the same
        time in another process may hold one for a while: a leaked one
        never goes away, so wait for them to finish."""
        deadline = time.monotonic() + 120
        while self.leftover_cgroups() and time.monotonic() < deadline:
            time.sleep(0.5)
        self.assertEqual([], self.leftover_cgroups())

    def leftover_cgroups(self):
        left = []
        for ctl, path in cgroups.own_paths().items():
            if ctl not in ('', 'memory', 'cpu', 'pids'):
                continue
            base = os.path.join(cgroups.ROOT, '' if ctl == '' and
                                cgroups.version() == 2 else ctl,
                                path.lstrip('/'))
            if os.path.isdir(base):
                left += [os.path.join(base, n) for n in os.listdir(base)
                         if n.startswith('solum-build-')]
        return left

    def test_build_limits(self):
        ok, why = cgroups.available()
        if not ok:
            self.skipTest('cgroups cannot be used here: %s' % why)
        # chroot isolation: the build runs in a cgroup of its own with the
        # memory limit, and the process limit applies.
        repo, _sha = make_repo(self.tmp, files={
            'Containerfile': CONTAINERFILE.replace(
                'WORKDIR', 'RUN echo %s && grep processes /proc/self/limits '
                '&& cat /proc/self/cgroup && python3 -c "x = bytearray(300 '
                '* 1024 * 1024)" && echo big-alloc-ok\nWORKDIR' %
                uuid.uuid4().hex)})
        self.conf.config(build_nproc=333, build_memory='128m',
                         isolation='chroot', group='builder')
        app = self.create_app(name='limits', repo=repo, languagepack='auto')
        wf, logs = self.run_workflow(app, actions=('build',))
        text = '\n'.join(x['message'] for x in logs)
        self.assertEqual(states.ERROR, wf['status'])
        self.assertEqual('build ran out of memory (limit 128m)',
                         wf['reason'])
        self.assertRegex(text, r'Max processes\s+333\s+333')
        self.assertRegex(text, r'memory:/.*solum-build-')
        self.assertNotIn('big-alloc-ok', [x['message'] for x in logs])
        self.assert_no_leftover_cgroups()
        # pids.max: a step forking too many processes fails.
        repo, _sha = make_repo(self.tmp, files={
            'Containerfile': CONTAINERFILE.replace(
                'WORKDIR', 'RUN echo %s && for i in $(seq 300); do sleep 30 '
                '& done; wait\nWORKDIR' % uuid.uuid4().hex)})
        self.conf.config(build_memory='1g', build_pids_limit=100,
                         build_nproc=4096, group='builder')
        app = self.create_app(name='limits-pids', repo=repo,
                              languagepack='auto')
        started = time.monotonic()
        wf, logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.ERROR, wf['status'])
        self.assertEqual('build hit the process limit (100 processes)',
                         wf['reason'])
        # The sleeps left behind are killed with the group.
        self.assertLess(time.monotonic() - started, 30)
        self.assert_no_leftover_cgroups()
        self.conf.config(build_memory='128m', group='builder')
        # oci isolation: the step runs in a memory cgroup and is killed.
        self.conf.config(isolation='oci', group='builder')
        repo, _sha = make_repo(self.tmp, files={
            'Containerfile': CONTAINERFILE.replace(
                'WORKDIR', 'RUN echo %s && python3 -c "x = bytearray(300 * '
                '1024 * 1024)"\nWORKDIR' % uuid.uuid4().hex)})
        app = self.create_app(name='limits-oci', repo=repo,
                              languagepack='auto')
        wf, logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.ERROR, wf['status'])
        self.assertIn('bytearray(300 * 1024 * 1024)', wf['reason'])
        self.assertIn('was killed (exit status 137): out of memory? builds '
                      'may use 128m', wf['reason'])

    def test_other_projects_images_are_refused(self):
        other = 'localhost/solum/%s/secret-app:wf1-abc' % api_base.PROJECT_B
        repo, _sha = make_repo(self.tmp, files={
            'Containerfile': CONTAINERFILE + 'COPY --from=%s /home/solum/app '
                                             '/tmp/stolen\n' % other})
        app = self.create_app(name='thief', repo=repo, languagepack='auto')
        wf, _logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.ERROR, wf['status'])
        self.assertEqual('Containerfile line 6: %s: images of other '
                         'projects cannot be used' % other, wf['reason'])

    def test_build_timeout(self):
        repo, _sha = make_repo(self.tmp, files={
            'Containerfile': CONTAINERFILE.replace(
                'WORKDIR', 'RUN echo %s && sleep 60\nWORKDIR' %
                uuid.uuid4().hex)})
        self.conf.config(build_timeout=3, group='builder')
        app = self.create_app(name='slowbuild', repo=repo,
                              languagepack='auto')
        started = time.monotonic()
        wf, _logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.ERROR, wf['status'])
        self.assertEqual('build timed out after 3 s', wf['reason'])
        self.assertLess(time.monotonic() - started, 30)

    def test_test_cmd_timeout_removes_the_container(self):
        repo, _sha = make_repo(self.tmp, files={
            'Containerfile': CONTAINERFILE})
        self.conf.config(test_timeout=2, group='builder')
        app = self.create_app(name='slowtest', repo=repo,
                              languagepack='auto',
                              config={'test_cmd': 'sleep 60'})
        wf, _logs = self.run_workflow(app)
        self.assertEqual(states.UNIT_TESTING_FAILED, wf['status'])
        self.assertEqual('test_cmd timed out after 2 s', wf['reason'])
        left = subprocess.run(
            ['podman', 'ps', '-a', '--format', '{{.Names}}', '--filter',
             'name=solum-test-%s' % wf['id']], capture_output=True,
            text=True, check=True).stdout.split()
        self.assertEqual([], left)
        self.assertEqual([], app_image_ids(app['id']))

    def test_root_image_is_refused(self):
        repo, _sha = make_repo(self.tmp, files={
            'Dockerfile': CONTAINERFILE.replace('USER 1000:1000', 'USER 0')
            .replace('--chown=1000:1000 ', '')})
        app = self.create_app(name='rooty', repo=repo,
                              languagepack='dockerfile')
        wf, _logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.ERROR, wf['status'])
        self.assertIn('Dockerfile: the image would run as root', wf['reason'])
        self.assertEqual([], app_image_ids(app['id']))


class TestCustomLanguagePack(BuilderTestCase):

    def test_build_pack_then_app_from_it(self):
        lp_repo, _sha = make_repo(self.tmp, files={
            'Containerfile': 'FROM localhost/solum/base-python:bookworm\n'
                             'USER 0\n'
                             'RUN echo custom-pack > /etc/solum-lp\n'
                             'USER 1000:1000\n'})
        name = 'lp-%s' % uuid.uuid4().hex[:6]
        lp = self.post_json('/v1/language_packs', {
            'name': name, 'source_uri': 'file://' + lp_repo}).json
        shown = None
        for _ in range(1200):
            shown = self.get('/v1/language_packs/%s' % lp['id']).json
            if shown['status'] in ('READY', 'ERROR'):
                break
            time.sleep(0.1)
        self.assertEqual('READY', shown['status'], shown.get('reason'))
        ref = images.lp_image_ref(api_base.PROJECT_A, name)
        self.addCleanup(subprocess.run, ['podman', 'rmi', ref],
                        capture_output=True, check=False)
        lp_logs = self.get('/v1/language_packs/%s/logs' % lp['id']).json
        self.assertIn('is ready', lp_logs[-1]['message'])
        repo, _sha = make_repo(self.tmp, files={
            'requirements.txt': '', 'index.html': 'built on a custom pack\n'})
        app = self.create_app(name='onlp', repo=repo, languagepack=name,
                              config={'run_cmd': 'python -m http.server '
                                                 '8080',
                                      'test_cmd': 'cat /etc/solum-lp'})
        wf, logs = self.run_workflow(app)
        self.assertEqual(states.BUILT, wf['status'], wf['reason'])
        text = '\n'.join(x['message'] for x in logs)
        self.assertIn('FROM %s' % ref, text)
        self.assertIn('custom-pack', text)  # test_cmd's output
        url = self.run_container(wf['result']['image'])
        self.assertIn('built on a custom pack', http_get(url + '/')[1])

    def test_pack_without_containerfile(self):
        lp_repo, _sha = make_repo(self.tmp, files={'README': 'x'})
        lp = self.post_json('/v1/language_packs', {
            'name': 'empty-lp', 'source_uri': 'file://' + lp_repo}).json
        for _ in range(300):
            shown = self.get('/v1/language_packs/%s' % lp['id']).json
            if shown['status'] in ('READY', 'ERROR'):
                break
            time.sleep(0.1)
        self.assertEqual('ERROR', shown['status'])
        self.assertIn('needs a Containerfile or Dockerfile', shown['reason'])


class SshServer(fixtures.Fixture):
    """sshd on loopback serving git over ssh to one key pair."""

    def __init__(self, workdir):
        super().__init__()
        self.workdir = workdir

    def _setUp(self):
        d = self.workdir
        for name in ('host', 'client'):
            subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '',
                            '-f', os.path.join(d, name)], check=True,
                           timeout=30)
        shutil.copy(os.path.join(d, 'client.pub'),
                    os.path.join(d, 'authorized_keys'))
        with open(os.path.join(d, 'client')) as f:
            self.private_key = f.read()
        self.port = ft_base.free_port()
        config = os.path.join(d, 'sshd_config')
        with open(config, 'w') as f:
            f.write('Port %d\nListenAddress 127.0.0.1\nHostKey %s/host\n'
                    'AuthorizedKeysFile %s/authorized_keys\n'
                    'PasswordAuthentication no\nKbdInteractiveAuthentication'
                    ' no\nPermitRootLogin prohibit-password\nStrictModes no\n'
                    'UsePAM no\nPidFile %s/sshd.pid\n' % (self.port, d, d,
                                                          d))
        os.makedirs('/run/sshd', mode=0o755, exist_ok=True)
        self.log = open(os.path.join(d, 'sshd.log'), 'wb')  # noqa: SIM115
        self.addCleanup(self.log.close)
        proc = subprocess.Popen(['/usr/sbin/sshd', '-D', '-e', '-f',
                                 config], stdout=self.log,
                                stderr=subprocess.STDOUT)
        self.addCleanup(proc.wait, 10)
        self.addCleanup(proc.terminate)
        deadline = time.monotonic() + 10
        while not ft_base.port_open(self.port):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError('sshd did not start')
            time.sleep(0.05)


class TestSshSource(BuilderTestCase):

    def setUp(self):
        if not os.path.exists('/usr/sbin/sshd'):
            self.skipTest('sshd is not installed (apt-get install '
                          'openssh-server)')
        super().setUp()
        self.sshd = self.useFixture(SshServer(self.useFixture(
            fixtures.TempDir()).path))

    def test_fetch_with_the_apps_deploy_key(self):
        repo, sha = make_repo(self.tmp, files={
            'Containerfile': CONTAINERFILE, 'index.html': 'over ssh\n'})
        url = 'ssh://root@127.0.0.1:%d%s' % (self.sshd.port, repo)
        body = {'version': 1, 'name': 'viassh', 'languagepack': 'auto',
                'source': {'repository': url, 'revision': 'main',
                           'private_ssh_key': self.sshd.private_key}}
        app = self.post_json('/v1/apps', body).json
        self.addCleanup(remove_app_images, app['id'])
        wf, logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.BUILT, wf['status'], wf['reason'])
        self.assertEqual(sha, wf['result']['commit'])
        text = '\n'.join(x['message'] for x in logs)
        self.assertNotIn('PRIVATE KEY', text)
        # The host key was accepted on first use and kept for the project.
        known = os.path.join(self.state_path, 'builds', api_base.PROJECT_A,
                             'known_hosts')
        self.assertTrue(os.path.getsize(known) > 0)

    def test_wrong_key_is_denied_with_a_reason(self):
        repo, _sha = make_repo(self.tmp, files={'Containerfile':
                                                CONTAINERFILE})
        other = os.path.join(self.tmp, 'other')
        subprocess.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-f',
                        other], check=True, timeout=30)
        with open(other) as f:
            key = f.read()
        url = 'ssh://root@127.0.0.1:%d%s' % (self.sshd.port, repo)
        body = {'version': 1, 'name': 'badkey', 'languagepack': 'auto',
                'source': {'repository': url, 'revision': 'main',
                           'private_ssh_key': key}}
        app = self.post_json('/v1/apps', body).json
        wf, _logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.ERROR, wf['status'])
        self.assertIn('access to %s was denied' % url, wf['reason'])


class Registry(fixtures.Fixture):
    """A docker-registry (distribution) on loopback, plain HTTP."""

    def __init__(self, workdir):
        super().__init__()
        self.workdir = workdir

    def _setUp(self):
        self.port = ft_base.free_port()
        config = os.path.join(self.workdir, 'config.yml')
        with open(config, 'w') as f:
            f.write('version: 0.1\nlog:\n  level: warn\nstorage:\n'
                    '  filesystem:\n    rootdirectory: %s/data\n'
                    '  delete:\n    enabled: true\nhttp:\n'
                    '  addr: 127.0.0.1:%d\n' % (self.workdir, self.port))
        log = open(os.path.join(self.workdir, 'registry.log'),  # noqa: SIM115
                   'wb')
        self.addCleanup(log.close)
        proc = subprocess.Popen(['docker-registry', 'serve', config],
                                stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(proc.wait, 10)
        self.addCleanup(proc.terminate)
        deadline = time.monotonic() + 15
        while not ft_base.port_open(self.port):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError('docker-registry did not start')
            time.sleep(0.05)
        self.address = '127.0.0.1:%d' % self.port


class TestRegistryStore(BuilderTestCase):

    def setUp(self):
        for tool in ('docker-registry', 'skopeo'):
            if shutil.which(tool) is None:
                self.skipTest('%s is not installed (apt-get install '
                              'docker-registry skopeo)' % tool)
        super().setUp()
        self.registry = self.useFixture(Registry(self.useFixture(
            fixtures.TempDir()).path))
        self.conf.config(image_store='registry',
                         registry_url=self.registry.address + '/solum',
                         registry_tls_verify=False, group='builder')

    def test_push_run_and_delete(self):
        repo, sha = make_repo(self.tmp, files={
            'Containerfile': CONTAINERFILE, 'index.html': 'from registry\n'})
        app = self.create_app(name='pushed', repo=repo, languagepack='auto')
        wf, _logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.BUILT, wf['status'], wf['reason'])
        result = wf['result']
        repository = '%s/solum/%s/pushed' % (self.registry.address,
                                             api_base.PROJECT_A)
        self.assertEqual('%s@%s' % (repository, result['digest']),
                         result['image'])
        self.assertEqual('%s:%s' % (repository, result['build_id']),
                         result['registry_ref'])
        # The pushed image runs: pull it by digest into local storage.
        local = images.image_ref(api_base.PROJECT_A, 'pushed',
                                 result['build_id'])
        subprocess.run(['podman', 'rmi', local], capture_output=True,
                       check=False)
        subprocess.run(['podman', 'pull', '-q', '--tls-verify=false',
                        result['image']], check=True, capture_output=True,
                       timeout=120)
        self.addCleanup(subprocess.run, ['podman', 'rmi',
                                         result['image']],
                        capture_output=True, check=False)
        self.assertEqual(sha, images.labels(result['image'])[
            images.LABEL_COMMIT])
        url = self.run_container(result['image'])
        self.assertIn('from registry', http_get(url + '/')[1])
        # Deleting the app deletes its tags in the registry.
        self.delete_app(app)
        self.assertEqual([], app_image_ids(app['id']))
        listed = subprocess.run(
            ['skopeo', 'list-tags', '--tls-verify=false',
             'docker://' + repository], capture_output=True, text=True,
            check=False)
        self.assertEqual(0, listed.returncode, listed.stderr)
        self.assertEqual([], json.loads(listed.stdout).get('Tags') or [])
