"""The local driver's operations: deploy, scale, undeploy, logs, on
fake Podman and router."""

from solum.common import images
from solum.deployer import driver as base_driver
from solum.deployer.local import podman
from solum.deployer.local import replicas
from solum.tests.unit.deployer import local_fakes as fakes

APP = fakes.APP
release = fakes.release


class TestLocalDriver(fakes.LocalDriverTestCase):

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
        backend = self.router.backends[replicas.backend_name(APP)]
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
            replicas.backend_name(APP)].servers.values()
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

    def test_scale_runs_the_targets_release(self):
        # The manager reads the target under the app's lock
        # (test_manager.TestScaleOrder); the driver runs what it is given.
        rel1, rel2 = release(1), release(2)
        self.driver.deploy(base_driver.Target(APP, rel1, 1))
        self.driver.deploy(base_driver.Target(APP, rel2, 1))
        self.driver.scale(base_driver.Target(APP, rel2, 3))
        labels = [c['Labels'][replicas.L_RELEASE]
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
        # Drained as the new one joined, it serves again.
        self.assertEqual([('drain', serving[0]), ('ready', serving[0])],
                         [e for e in self.router.events
                          if e[0] in ('drain', 'ready')])

    def test_the_old_release_is_drained_as_the_new_one_joins(self):
        self.driver.deploy(base_driver.Target(APP, release(1), 2))
        old = self.servers()
        del self.router.events[:]
        self.driver.deploy(base_driver.Target(APP, release(2), 2))
        new = [r['name'] for r in self.podman.runs[2:]]
        # In one router change (one reload): new ones in, old ones
        # drained; then the old ones leave.
        events = self.router.events
        self.assertEqual(
            [sorted(('add', n) for n in new),
             sorted(('drain', n) for n in old),
             sorted(('remove', n) for n in old)],
            [sorted(events[:2]), sorted(events[2:4]), sorted(events[4:])])

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
        self.patch(replicas.time, 'monotonic', lambda: next(clock))
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

    def test_namespaces_are_looked_up_once_while_replicas_start(self):
        calls = []
        netns = self.podman.netns

        def counting(names):
            calls.append(sorted(names))
            return netns(names)
        self.podman.netns = counting
        self.driver.deploy(base_driver.Target(APP, release(1), 2))
        names = sorted(r['name'] for r in self.podman.runs)
        # One podman inspect for both, during the health wait; the router
        # change asks no more.
        self.assertEqual([names], calls)
        backend = self.router.backends[replicas.backend_name(APP)]
        self.assertEqual(['netns-' + n for n in names],
                         [backend.servers[n]['netns'] for n in names])

    def test_no_namespace_lookup_without_router_netns(self):
        self.conf.config(router_netns=False, group='deployer')
        self.podman.netns = None   # never called
        self.driver.deploy(base_driver.Target(APP, release(1), 1))
        self.assertEqual(1, len(self.servers()))

    def test_health_probes_start_fast_and_back_off(self):
        self.driver.deploy(base_driver.Target(APP, release(1), 1))
        answers = [False] * 30 + [True]
        self.patch(replicas, 'probe', lambda port, path: answers.pop(0))
        sleeps, states = [], []
        self.patch(replicas.time, 'sleep', sleeps.append)
        state = self.podman.state

        def counting_state(name):
            states.append(name)
            return state(name)
        self.podman.state = counting_state
        self.driver.deploy(base_driver.Target(APP, release(2), 1))
        self.assertEqual(30, len(sleeps))
        self.assertAlmostEqual(replicas.PROBE_FIRST, sleeps[0])
        self.assertEqual(sleeps, sorted(sleeps))
        self.assertAlmostEqual(replicas.PROBE_MAX, sleeps[-1])
        # Under half a second of waiting for an app up in that time.
        self.assertLess(sum(sleeps[:8]), 0.5)
        # podman is asked whether it still runs every STATE_EVERY probes.
        self.assertEqual(30 // replicas.STATE_EVERY, len(states))
