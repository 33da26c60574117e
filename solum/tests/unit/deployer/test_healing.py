"""Reconcile at start and healing of the local driver (healing.py)."""

import contextlib
import os

from solum.deployer import driver as base_driver
from solum.deployer.local import driver
from solum.deployer.local import healing
from solum.deployer.local import replicas
from solum.tests.unit.deployer import local_fakes as fakes

APP = fakes.APP
release = fakes.release
FakeRouter = fakes.FakeRouter


class TestHealing(fakes.LocalDriverTestCase):

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
        backend = fresh.router.backends[replicas.backend_name(APP)]
        self.assertEqual(running, sorted(backend.servers))
        self.assertEqual(['netns-' + n for n in running],
                         [backend.servers[n]['netns'] for n in running])
        self.assertEqual({5000}, {s['target_port'] for s in
                                  backend.servers.values()})
        self.assertEqual(1, fresh.router.started)
        self.assertEqual(2, len(self.podman.containers))

    def test_heal_leaves_an_app_whose_lock_is_held(self):
        rel = release(1)
        self.driver.deploy(base_driver.Target(APP, rel, 2))
        crashed = self.servers()[0]
        self.podman.containers[crashed]['State'] = 'exited'
        calls = []

        @contextlib.contextmanager
        def held_elsewhere(app_uuid, blocking=True):
            calls.append((app_uuid, blocking))
            yield False
        self.patch(healing.locks, 'app_lock', held_elsewhere)
        self.driver.heal([base_driver.Target(APP, rel, 2)])
        self.assertEqual([(APP.uuid, False)], calls)
        self.assertIn(crashed, self.servers())
        self.assertIn(crashed, self.podman.containers)

    def test_a_replica_whose_namespace_vanished_is_routed_again(self):
        rel = release(1)
        self.driver.deploy(base_driver.Target(APP, rel, 2))
        gone, kept = self.servers()
        # Its namespace vanished and the router left it out.
        os.unlink(os.path.join(self.netns_dir, 'netns-' + gone))
        backend = self.router.backends[replicas.backend_name(APP)]
        del backend.servers[gone]
        self.driver.heal([base_driver.Target(APP, rel, 2)])
        # Still running: reached at its published port now.
        self.assertEqual(sorted([gone, kept]), self.servers())
        self.assertIsNone(backend.servers[gone]['netns'])
        self.assertEqual('netns-' + kept, backend.servers[kept]['netns'])
