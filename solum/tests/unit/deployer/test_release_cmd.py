"""workflow_config.release_cmd: the release phase of a deploy, run once
per release before traffic moves to it (Deployment, drivers, schema)."""

import subprocess
import types

import jsonschema

from solum.api import schemas
from solum.common import context as solum_context
from solum.common import states
from solum.db import api as db_api
from solum.deployer import driver as driver_mod
from solum.deployer import fake
from solum.deployer import manager
from solum.deployer.heat import driver as heat_driver
from solum.deployer.local import podman as podman_mod
from solum.deployer.local import replicas
from solum.tests import base
from solum.tests.unit.deployer import local_fakes as fakes

PROJECT = 'a0000000000000000000000000000000'


class ReleasePhaseDriver(fake.FakeDriver):
    """The fake driver running release commands as told: each prints
    ``lines`` and exits ``status`` (or raises ``error``)."""

    lines = ()
    status = 0
    error = None

    def run_release_command(self, target, log):
        self.calls.append(('release_cmd', target.release.number,
                           target.release.config.get('release_cmd')))
        for line in self.lines:
            log(line)
        if self.error is not None:
            raise self.error
        return self.status


class TestReleasePhase(base.DbTestCase):

    def setUp(self):
        super().setUp()
        fake.FakeDriver.reset()
        self.addCleanup(fake.FakeDriver.reset)
        self.ctx = solum_context.RequestContext(project_id=PROJECT)
        self.app = db_api.create_app(self.ctx, {
            'name': 'hello', 'ports': [8080],
            'workflow_config': {'release_cmd': 'manage.py migrate'}})
        self.driver = ReleasePhaseDriver()
        self.deployer = manager.DeployerManager(driver=self.driver)
        self.deployer.conductor = base.RecordingConductor(apply=True)

    def deploy(self, image='img-1', **fields):
        fields.setdefault('result', {'image': image})
        wf = db_api.create_workflow(self.ctx, self.app, dict(
            fields, actions=['deploy']), states.DEPLOYING)
        self.deployer.deploy(None, wf.uuid)
        return db_api.get_workflow_by_uuid(None, wf.uuid)

    def calls(self):
        return [c[:2] for c in fake.FakeDriver.calls
                if c[0] in ('release_cmd', 'deploy')]

    def log(self, wf):
        return [x.message for x in db_api.get_log_lines(None, wf.uuid)]

    def releases(self):
        return [(r.number, r.status, r.reason)
                for r in db_api.list_releases(None, self.app.id)]

    def test_runs_before_deploy_and_its_output_is_logged(self):
        self.driver.lines = ['migrating', 'done']
        wf = self.deploy()
        self.assertEqual(states.DEPLOYMENT_COMPLETE, wf.status, wf.reason)
        self.assertEqual([('release_cmd', 1), ('deploy', self.app.uuid)],
                         self.calls())
        release, = db_api.list_releases(None, self.app.id)
        self.assertEqual('manage.py migrate', release.config['release_cmd'])
        log = self.log(wf)
        self.assertIn('release_cmd: migrating', log)
        self.assertLess(log.index('release_cmd: done'),
                        log.index('release 1 is serving at %s' %
                                  self.driver.app_url(self.app)))

    def test_the_workflows_config_wins_over_the_apps(self):
        self.deploy(config={'release_cmd': 'other'})
        self.assertEqual(('release_cmd', 1, 'other'),
                         fake.FakeDriver.calls[0])

    def test_a_failure_fails_the_release_and_never_deploys(self):
        self.deploy()
        fake.FakeDriver.reset()
        self.driver.lines = ['applying 0002', 'no such table: x', '']
        self.driver.status = 3
        wf = self.deploy('img-2')
        reason = 'release_cmd failed (exit 3): no such table: x'
        self.assertEqual((states.ERROR_CODE_DEPLOYMENT,
                          'release 2 failed: %s' % reason),
                         (wf.status, wf.reason))
        self.assertEqual([('release_cmd', 2)], self.calls())
        self.assertEqual([(1, 'ACTIVE', None), (2, 'FAILED', reason)],
                         self.releases())
        self.assertIn('release_cmd: applying 0002', self.log(wf))
        # The first release serves on.
        self.assertEqual(1, db_api.active_release(None, self.app.id).number)

    def test_a_timeout_fails_the_release(self):
        self.driver.lines = ['waiting for the lock']
        self.driver.error = driver_mod.ReleaseCommandTimeout(600)
        wf = self.deploy()
        self.assertEqual(
            'release 1 failed: release_cmd failed (timed out after 600 s): '
            'waiting for the lock', wf.reason)
        self.assertEqual([('release_cmd', 1)], self.calls())

    def test_a_silent_failure_names_the_exit_status(self):
        self.driver.status = 1
        wf = self.deploy()
        self.assertEqual('release 1 failed: release_cmd failed (exit 1)',
                         wf.reason)

    def test_a_rollback_skips_it(self):
        self.deploy()
        self.deploy('img-2')
        fake.FakeDriver.reset()
        wf = self.deploy(du_id='img-1', result={'rollback_to': 1})
        self.assertEqual(states.DEPLOYMENT_COMPLETE, wf.status, wf.reason)
        self.assertEqual([('deploy', self.app.uuid)], self.calls())

    def test_without_release_cmd_nothing_runs(self):
        self.app = db_api.create_app(self.ctx, {'name': 'plain'})
        wf = self.deploy()
        self.assertEqual(states.DEPLOYMENT_COMPLETE, wf.status, wf.reason)
        self.assertEqual([('deploy', self.app.uuid)], self.calls())
        release, = db_api.list_releases(None, self.app.id)
        self.assertNotIn('release_cmd', release.config)

    def test_a_driver_without_support_fails_the_release(self):
        self.conf.config(driver='fake', group='deployer')
        self.driver.error = driver_mod.ReleaseCommandUnsupported()
        wf = self.deploy()
        self.assertEqual('release 1 failed: release_cmd is not supported '
                         'by the fake driver', wf.reason)
        self.assertEqual([('release_cmd', 1)], self.calls())

    def test_on_the_heat_driver_the_release_fails(self):
        self.conf.config(allowed_drivers=['heat'], group='deployer')
        self.app = db_api.create_app(self.ctx, {
            'name': 'cloudy', 'parameters': {'deployer': 'heat'},
            'workflow_config': {'release_cmd': 'migrate'}})
        wf = self.deploy()
        self.assertEqual((states.ERROR_CODE_DEPLOYMENT,
                          'release 1 failed: release_cmd is not supported '
                          'by the heat driver'), (wf.status, wf.reason))
        release, = db_api.list_releases(None, self.app.id)
        self.assertEqual(states.RELEASE_FAILED, release.status)


class TestHeatRefuses(base.TestCase):

    def test_heat_does_not_support_it(self):
        # The base driver's answer: no container of the image to run it
        # in before the stack update moves traffic.
        self.assertIs(driver_mod.Driver.run_release_command,
                      heat_driver.HeatDriver.run_release_command)
        self.assertRaises(driver_mod.ReleaseCommandUnsupported,
                          heat_driver.HeatDriver.run_release_command,
                          None, None, print)


class TestSchema(base.TestCase):

    def test_release_cmd_is_a_command(self):
        validator = jsonschema.Draft202012Validator(schemas.WORKFLOW_CONFIG)
        validator.validate({'release_cmd': 'python manage.py migrate',
                            'run_cmd': 'gunicorn app'})
        self.assertFalse(validator.is_valid({'release_cmd': 3}))
        self.assertFalse(validator.is_valid({'release_cmd': 'x' * 4097}))


class TestLocalReleaseCommand(fakes.LocalDriverTestCase):

    def setUp(self):
        super().setUp()
        self.attached = []
        self.podman.run_attached = self._run_attached

    def _run_attached(self, name, image, log, timeout, **kwargs):
        self.attached.append(dict(kwargs, name=name, image=image,
                                  timeout=timeout))
        log('migrated')
        return 0

    def test_runs_like_a_replica_without_a_port(self):
        rel = fakes.release(2, env={'GREETING': 'hi'}, run_cmd='serve',
                            release_cmd='migrate && seed')
        lines = []
        status = self.driver.run_release_command(
            driver_mod.Target(fakes.APP, rel), lines.append)
        self.assertEqual((0, ['migrated']), (status, lines))
        run, = self.attached
        self.assertEqual(('localhost/solum/p/web:2', 600),
                         (run['image'], run['timeout']))
        self.assertEqual(['/bin/sh', '-c'], run['entrypoint'])
        self.assertEqual(['migrate && seed'], run['command'])
        self.assertEqual(replicas.container_env(fakes.APP, rel), run['env'])
        self.assertEqual('hi', run['env']['GREETING'])
        self.assertEqual('5000', run['env']['PORT'])
        options = run['options']
        self.assertEqual(replicas.confinement_options(), options[2:])
        labels = run['labels']
        self.assertEqual(('true', 'node-1', fakes.APP.uuid, 'rel-2'),
                         (labels['solum.managed'], labels['solum.host'],
                          labels['solum.app'], labels['solum.release_cmd']))
        # Never taken for a replica of the release it prepares.
        self.assertNotIn('solum.release', labels)
        self.assertEqual([], self.podman.runs)

    def test_timeout_and_podman_errors(self):
        self.conf.config(release_cmd_timeout=7, group='deployer')
        rel = fakes.release(2, release_cmd='sleep 99')
        target = driver_mod.Target(fakes.APP, rel)

        def timed_out(*args, **kwargs):
            raise podman_mod.PodmanTimeout('timed out after 7 s')
        self.podman.run_attached = timed_out
        e = self.assertRaises(driver_mod.ReleaseCommandTimeout,
                              self.driver.run_release_command, target, print)
        self.assertEqual(7, e.seconds)

        def broken(*args, **kwargs):
            raise podman_mod.PodmanError('podman run failed: no podman')
        self.podman.run_attached = broken
        e = self.assertRaises(driver_mod.DeployError,
                              self.driver.run_release_command, target, print)
        self.assertIn('no podman', e.reason)


class TestRunAttached(base.TestCase):
    """Podman.run_attached on a stand-in for podman (a shell script)."""

    def setUp(self):
        super().setUp()
        self.removed = []
        self.podman = podman_mod.Podman(executable='/bin/sh')
        self.podman.remove = lambda names, stop_timeout=None: \
            self.removed.append(names)

    def run_script(self, script, timeout=30):
        lines = []
        # /bin/sh gets podman's arguments: "run" is the script it runs.
        self.patch(podman_mod.subprocess, 'Popen', self._popen(script))
        status = self.podman.run_attached(
            'c1', 'img', lines.append, timeout, labels={'a': 'b'},
            env={'K': 'v'}, entrypoint=['/bin/sh', '-c'], command=['x'])
        return status, lines

    def _popen(self, script):
        real = subprocess.Popen
        self.argvs = []

        def popen(argv, **kwargs):
            self.argvs.append(argv)
            return real(['/bin/sh', '-c', script], **kwargs)
        return popen

    def test_streams_output_and_returns_the_status(self):
        status, lines = self.run_script('echo one; echo two >&2; exit 3')
        self.assertEqual((3, ['one', 'two']), (status, lines))
        self.assertEqual(['/bin/sh', 'run', '--rm', '--name', 'c1',
                          '--label', 'a=b', '--env', 'K=v',
                          '--entrypoint', '["/bin/sh", "-c"]',
                          '--timeout', '35', 'img', 'x'], self.argvs[0])
        self.assertEqual([], self.removed)

    def test_a_timeout_removes_the_container(self):
        # The stand-in ends when its container is "removed": killed here.
        procs = []
        real = self._popen('echo started; exec sleep 30')

        def popen(argv, **kwargs):
            procs.append(real(argv, **kwargs))
            return procs[-1]
        self.patch(podman_mod.subprocess, 'Popen', popen)
        self.podman.remove = lambda names, stop_timeout=None: (
            self.removed.append(names), procs[0].kill())
        lines = []
        self.assertRaises(podman_mod.PodmanTimeout,
                          self.podman.run_attached, 'c1', 'img',
                          lines.append, 0.3, command=['x'])
        self.assertEqual((['started'], [['c1']]), (lines, self.removed))


class TestNoShell(base.TestCase):

    def test_the_command_is_one_argument(self):
        # The user's command reaches sh -c as it is, never parsed by Solum.
        app = types.SimpleNamespace(uuid='u' * 36, name='web',
                                    project_id='p')
        rel = fakes.release(1, release_cmd='a; b "$X" | c')
        seen = {}

        class Podman:
            def run_attached(self, name, image, log, timeout, **kwargs):
                seen.update(kwargs)
                return 0
        replicas.Replicas(Podman(), None).run_release_command(
            app, rel, print)
        self.assertEqual(['a; b "$X" | c'], seen['command'])
