import types

from solum.common import images
from solum.deployer import driver as base_driver
from solum.deployer.local import driver
from solum.deployer.local import podman
from solum.tests import base

APP = types.SimpleNamespace(uuid='aaaaaaaa-0000-0000-0000-000000000001',
                            name='web', project_id='Proj_1')


def release(number, **config):
    config.setdefault('port', 5000)
    return types.SimpleNamespace(uuid='rel-%d' % number, number=number,
                                 image='localhost/solum/p/web:%d' % number,
                                 config=config, replicas=1)


class FakePodman:
    def __init__(self):
        self.containers = {}   # name -> dict as podman ps --format json
        self.runs = []
        self.removed = []
        self.broken_images = set()
        self.rmi = []
        self.local_images = {}   # reference -> labels (the builder's)

    def run(self, name, image, labels=None, env=None, publish=None,
            command=None, options=()):
        self.runs.append({'name': name, 'image': image, 'labels': labels,
                          'env': env, 'publish': publish,
                          'command': command, 'options': list(options)})
        state = 'exited' if image in self.broken_images else 'running'
        self.containers[name] = {'Names': [name], 'State': state,
                                 'Labels': {k: str(v) for k, v in
                                            labels.items()}}
        return name

    def ps(self, labels=None):
        return [c for c in self.containers.values()
                if all(c['Labels'].get(k) == v
                       for k, v in (labels or {}).items())]

    def state(self, name):
        c = self.containers.get(name)
        return c and c['State']

    def remove(self, names, stop_timeout=None):
        for name in names:
            self.removed.append(name)
            self.containers.pop(name, None)

    def logs(self, name, tail=None, since=None, timestamps=True):
        if timestamps:
            return ('2026-01-01T00:00:01Z out of %s\n' % name,
                    '2026-01-01T00:00:00Z err of %s\n' % name)
        return 'Traceback\n', 'boom\n'

    def netns(self, names):
        return {n: 'netns-%s' % n for n in names if n in self.containers}

    def image_labels(self, image):
        labels = self.local_images.get(image)
        return None if labels is None else dict(labels)


class FakeRouter:
    def __init__(self):
        self.backends = {}
        self.events = []
        self.started = 0

    def running(self):
        return self.started > 0

    def start(self):
        self.started += 1

    def ensure_backend(self, backend, replicas=()):
        current = self.backends.get(backend.name)
        if current is not None:
            backend.servers = current.servers
        self.backends[backend.name] = backend
        if replicas:
            self.add_servers(backend.name, replicas)

    def remove_backend(self, name):
        self.backends.pop(name, None)
        self.events.append(('remove_backend', name))

    def add_servers(self, backend, replicas):
        for name, port, netns, target_port in replicas:
            self.backends[backend].servers[name] = {
                'port': port, 'netns': netns, 'target_port': target_port}
            self.events.append(('add', name))

    def remove_server(self, backend, name, drain_timeout=None):
        self.backends[backend].servers.pop(name, None)
        self.events.append(('remove', name))

    def server_stats(self, backend=None):
        return {}

    def command(self, line):
        self.events.append(('command', line))
        return ''


class TestLocalDriver(base.TestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(host='node-1')
        self.conf.config(health_timeout=1, group='deployer')
        self.podman = FakePodman()
        self.router = FakeRouter()
        self.driver = driver.LocalDriver(podman=self.podman,
                                         router=self.router)
        self.healthy = True
        self.patch(driver, 'probe', lambda port, path: self.healthy)
        self.patch(driver.time, 'sleep', lambda s: None)
        self.patch(images, 'labels', self.podman.image_labels)
        self.patch(images, 'remove', self._no_image_removal)

    def _no_image_removal(self, refs, log=None):
        raise AssertionError('the deployer removed images %s: they are '
                             'the builder\'s' % refs)

    def servers(self):
        backend = self.router.backends.get(driver.backend_name(APP))
        return sorted(backend.servers) if backend else []

    def test_replicas_run_confined_on_loopback(self):
        url = self.driver.deploy(base_driver.Target(APP, release(
            1, env={'GREETING': 'hi'}, run_cmd='python app.py'), 2))
        self.assertEqual('http://web.proj-1.apps.localhost:8088/', url)
        self.assertEqual(2, len(self.podman.runs))
        run = self.podman.runs[0]
        options = run['options']
        for flag in ('--read-only', '--memory', '--cpus', '--pids-limit',
                     '--user', '--tmpfs', '--cap-drop'):
            self.assertIn(flag, options)
        self.assertEqual('1000:1000', options[options.index('--user') + 1])
        self.assertEqual('never', options[options.index('--pull') + 1])
        host, host_port, container_port = run['publish'][0]
        self.assertEqual(('127.0.0.1', 5000), (host, container_port))
        self.assertEqual({'GREETING': 'hi', 'PORT': '5000', 'HOME': '/tmp',
                          'SOLUM_APP': 'web', 'SOLUM_RELEASE': '1'},
                         run['env'])
        self.assertEqual(['/bin/sh', '-c', 'python app.py'], run['command'])
        labels = run['labels']
        self.assertEqual((APP.uuid, 'rel-1', 'node-1', str(host_port)),
                         (labels['solum.app'], labels['solum.release'],
                          labels['solum.host'], str(labels['solum.port'])))
        self.assertEqual(sorted(r['name'] for r in self.podman.runs),
                         self.servers())
        backend = self.router.backends[driver.backend_name(APP)]
        self.assertEqual('/apps/proj-1/web', backend.path_prefix)
        # The router reaches it inside its network namespace, at the
        # container port.
        self.assertEqual({'port': host_port, 'netns': 'netns-' + run['name'],
                          'target_port': 5000},
                         backend.servers[run['name']])

    def test_router_through_the_published_port(self):
        self.conf.config(router_netns=False, group='deployer')
        self.driver.deploy(base_driver.Target(APP, release(1), 1))
        (server,) = self.router.backends[
            driver.backend_name(APP)].servers.values()
        self.assertIsNone(server['netns'])
        self.assertEqual(self.podman.runs[0]['publish'][0][1],
                         server['port'])

    def test_redeploy_moves_traffic_then_retires_old(self):
        self.driver.deploy(base_driver.Target(APP, release(1), 2))
        old = self.servers()
        self.driver.deploy(base_driver.Target(APP, release(2), 2))
        new = [r['name'] for r in self.podman.runs[2:]]
        self.assertEqual(sorted(new), self.servers())
        adds = [i for i, e in enumerate(self.router.events)
                if e[0] == 'add' and e[1] in new]
        removes = [i for i, e in enumerate(self.router.events)
                   if e[0] == 'remove' and e[1] in old]
        self.assertLess(max(adds), min(removes))
        self.assertEqual(sorted(old), sorted(self.podman.removed))

    def test_release_becomes_active_before_the_old_replicas_go(self):
        # A heal between "serving" and "active" would see the new
        # replicas beside an older active release and replace them (a
        # rollback once came back to the old image); the manager holds
        # the app's lock around the deploy (test_manager.TestActivation).
        self.driver.deploy(base_driver.Target(APP, release(1), 2))
        old = self.servers()
        seen = {}

        def on_serving():
            seen['servers'] = self.servers()
            seen['removed'] = list(self.podman.removed)
        self.driver.deploy(base_driver.Target(APP, release(2), 2),
                           on_serving=on_serving)
        new = sorted(r['name'] for r in self.podman.runs[2:])
        self.assertEqual(sorted(old + new), seen['servers'])
        self.assertEqual([], seen['removed'])
        self.assertEqual(new, self.servers())

    def test_heal_after_a_deploy_keeps_the_new_release(self):
        rel1, rel2 = release(1), release(2)
        self.driver.deploy(base_driver.Target(APP, rel1, 2))
        active = {'release': rel1}
        self.driver.deploy(base_driver.Target(APP, rel2, 2),
                           on_serving=lambda: active.update(release=rel2))
        serving = self.servers()
        # The periodic heal's list was read before the deploy.
        self.driver.heal([base_driver.Target(APP, rel1, 2)],
                         current=lambda uuid: base_driver.Target(
                             APP, active['release'], 2))
        self.assertEqual(serving, self.servers())
        self.assertEqual(serving, sorted(self.podman.containers))

    def test_scale_runs_the_targets_release(self):
        # The manager reads the target under the app's lock
        # (test_manager.TestScaleOrder); the driver runs what it is given.
        rel1, rel2 = release(1), release(2)
        self.driver.deploy(base_driver.Target(APP, rel1, 1))
        self.driver.deploy(base_driver.Target(APP, rel2, 1))
        self.driver.scale(base_driver.Target(APP, rel2, 3))
        labels = [c['Labels'][driver.L_RELEASE]
                  for c in self.podman.containers.values()]
        self.assertEqual(['rel-2'] * 3, labels)
        self.driver.scale(base_driver.Target(APP, rel2, 1))
        self.assertEqual(1, len(self.podman.containers))

    def test_failed_activation_leaves_the_old_release_serving(self):
        self.driver.deploy(base_driver.Target(APP, release(1), 1))
        serving = self.servers()

        def on_serving():
            raise RuntimeError('database is gone')
        self.assertRaises(RuntimeError, self.driver.deploy,
                          base_driver.Target(APP, release(2), 2),
                          on_serving=on_serving)
        self.assertEqual(serving, self.servers())
        self.assertEqual(serving, sorted(self.podman.containers))

    def test_unhealthy_release_leaves_the_old_one_serving(self):
        self.driver.deploy(base_driver.Target(APP, release(1), 1))
        serving = self.servers()
        self.healthy = False
        self.podman.broken_images.add('localhost/solum/p/web:2')
        e = self.assertRaises(base_driver.DeployError, self.driver.deploy,
                              base_driver.Target(APP, release(2), 2))
        self.assertIn('stopped (exited)', e.reason)
        self.assertEqual(['Traceback', 'boom'], e.log_lines)
        self.assertIn('boom', e.describe())
        self.assertEqual(serving, self.servers())
        self.assertEqual(serving, sorted(self.podman.containers))

    def test_never_healthy_times_out(self):
        self.driver.deploy(base_driver.Target(APP, release(1), 1))
        self.healthy = False
        clock = iter(range(0, 1000, 1))
        self.patch(driver.time, 'monotonic', lambda: next(clock))
        e = self.assertRaises(base_driver.DeployError, self.driver.deploy,
                              base_driver.Target(APP, release(
                                  2, health={'path': '/h', 'timeout': 3}),
                                  1))
        self.assertIn('did not answer /h with 2xx/3xx within 3 s', e.reason)

    def test_scale_up_and_down(self):
        rel = release(1)
        self.driver.deploy(base_driver.Target(APP, rel, 1))
        first = self.servers()
        self.driver.scale(base_driver.Target(APP, rel, 3))
        self.assertEqual(3, len(self.servers()))
        self.driver.scale(base_driver.Target(APP, rel, 1))
        self.assertEqual(1, len(self.servers()))
        self.assertEqual(1, len(self.podman.containers))
        # The replicas started by the scale-out went first.
        self.assertEqual(first[0][:-6], self.servers()[0][:-6])

    def test_heal_replaces_crashed_and_removes_orphans(self):
        rel = release(1)
        self.driver.deploy(base_driver.Target(APP, rel, 2))
        crashed = self.servers()[0]
        self.podman.containers[crashed]['State'] = 'exited'
        self.podman.containers['orphan'] = {
            'Names': ['orphan'], 'State': 'running',
            'Labels': {'solum.managed': 'true', 'solum.host': 'node-1',
                       'solum.app': 'gone-app'}}
        self.podman.containers['other-host'] = {
            'Names': ['other-host'], 'State': 'running',
            'Labels': {'solum.managed': 'true', 'solum.host': 'node-2',
                       'solum.app': 'gone-app'}}
        self.driver.heal([base_driver.Target(APP, rel, 2)])
        self.assertNotIn(crashed, self.servers())
        self.assertEqual(2, len(self.servers()))
        self.assertIn('orphan', self.podman.removed)
        self.assertIn('other-host', self.podman.containers)

    def test_down_in_the_router_too_long_is_replaced(self):
        rel = release(1, health={'timeout': 10})
        self.driver.deploy(base_driver.Target(APP, rel, 2))
        hung, fine = self.servers()
        self.router.server_stats = lambda name: {
            hung: {'status': 'DOWN', 'lastchg': '11'},
            fine: {'status': 'DOWN', 'lastchg': '3'}}
        self.driver.heal([base_driver.Target(APP, rel, 2)])
        self.assertNotIn(hung, self.servers())
        self.assertIn(fine, self.servers())
        self.assertEqual(2, len(self.servers()))

    def test_start_rebuilds_the_router_from_what_runs(self):
        rel = release(1)
        self.driver.deploy(base_driver.Target(APP, rel, 2))
        running = self.servers()
        fresh = driver.LocalDriver(podman=self.podman, router=FakeRouter())
        fresh.start([base_driver.Target(APP, rel, 2)])
        backend = fresh.router.backends[driver.backend_name(APP)]
        self.assertEqual(running, sorted(backend.servers))
        self.assertEqual(['netns-' + n for n in running],
                         [backend.servers[n]['netns'] for n in running])
        self.assertEqual({5000}, {s['target_port'] for s in
                                  backend.servers.values()})
        self.assertEqual(1, fresh.router.started)
        self.assertEqual(2, len(self.podman.containers))

    def test_undeploy_removes_what_runs_and_no_image(self):
        # Images are the builder's to remove (image_stores.local, by
        # label); setUp fails the test if the driver removes one.
        self.podman.local_images = {
            'localhost/solum/p/web:1': {images.LABEL_APP: APP.uuid}}
        self.driver.deploy(base_driver.Target(APP, release(1), 2))
        self.driver.undeploy(APP)
        self.assertEqual({}, self.podman.containers)
        self.assertEqual({}, self.router.backends)

    def test_image_project_is_the_builders_label(self):
        self.podman.local_images = {
            'mine': {images.LABEL_PROJECT: 'Proj_1'},
            'unlabelled': {},
            # The deployer's own container label means nothing here.
            'fake': {'solum.project': 'Proj_1'}}
        self.assertEqual('Proj_1', self.driver.image_project('mine'))
        for image in ('unlabelled', 'fake', 'missing'):
            self.assertIsNone(self.driver.image_project(image))

    def test_logs_merge_replicas_by_time(self):
        self.driver.deploy(base_driver.Target(APP, release(1), 2))
        lines = self.driver.logs(APP, tail=5)
        self.assertEqual(4, len(lines))
        self.assertEqual(['2026-01-01T00:00:00Z'] * 2,
                         [x['time'] for x in lines[:2]])
        self.assertTrue(lines[0]['line'].startswith('err of solum-'))

    def test_a_failing_run_is_a_deploy_error(self):
        def broken(*args, **kwargs):
            raise podman.PodmanError('image not known')
        self.podman.run = broken
        e = self.assertRaises(base_driver.DeployError, self.driver.deploy,
                              base_driver.Target(APP, release(1), 1))
        self.assertIn('image not known', e.reason)


class TestLogParsing(base.TestCase):

    def test_lines_written_in_pieces(self):
        self.assertEqual(
            ('2026-11-23T19:04:18.1Z', 'serving on 8080'),
            driver.parse_log_line('2026-11-23T19:04:18.1Z serving on 8080'
                                  '2026-11-23T19:04:18.159775789Z '))
        self.assertEqual(('2026-11-23T19:04:18+00:00', 'a b'),
                         driver.parse_log_line(
                             '2026-11-23T19:04:18+00:00 a b'))


class TestMetrics(base.TestCase):

    def test_requests_and_cpu_as_deltas(self):
        self.conf.config(host='node-1')
        self.conf.config(cpus=0.5, group='deployer')
        podman_ = FakePodman()
        router_ = FakeRouter()
        d = driver.LocalDriver(podman=podman_, router=router_)
        self.patch(driver, 'probe', lambda port, path: True)
        d.deploy(base_driver.Target(APP, release(1), 2))
        names = sorted(podman_.containers)
        samples = iter([
            (100.0, '1000', {names[0]: 1.0, names[1]: 2.0}),
            (102.0, '1400', {names[0]: 1.5, names[1]: 2.5})])
        state = {}

        def tick():
            state['now'], state['req'], state['cpu'] = next(samples)
            return state['now']
        self.patch(driver.time, 'monotonic', tick)
        router_.backend_stats = lambda name: {'req_tot': state['req']}
        podman_.cpu_times = lambda names: state['cpu']
        first = d.metrics(APP)
        self.assertEqual((2, None, None),
                         (first['replicas'], first['rps'], first['cpu']))
        second = d.metrics(APP)
        self.assertEqual(200.0, second['rps'])
        # 0.5 s of CPU in 2 s per replica = 25 % of a core = 50 % of 0.5.
        self.assertAlmostEqual(50.0, second['cpu'])



class TestPodmanWrapper(base.TestCase):
    """The wrapper's commands: argument lists, output parsed."""

    def setUp(self):
        super().setUp()
        self.argvs = []
        self.outputs = []
        self.patch(podman.subprocess, 'run', self._run)
        self.podman = podman.Podman(executable='podman')

    def _run(self, argv, **kwargs):
        self.argvs.append(argv)
        rc, out = self.outputs.pop(0)
        return types.SimpleNamespace(returncode=rc, stdout=out, stderr='')

    def test_netns_of_several_containers_in_one_inspect(self):
        # One container gone: podman exits 125 but prints the others.
        self.outputs = [(125, 'r1 /run/netns/netns-aaa\n'
                              'r3 /run/netns/../../etc\n'
                              'r4 \n')]
        self.assertEqual({'r1': 'netns-aaa'},
                         self.podman.netns(['r1', 'r2', 'r3', 'r4']))
        self.assertEqual(['podman', 'inspect', '--format',
                          '{{.Name}} {{.NetworkSettings.SandboxKey}}', '--',
                          'r1', 'r2', 'r3', 'r4'], self.argvs[0])
        self.assertEqual({}, self.podman.netns([]))
        self.assertEqual(1, len(self.argvs))
