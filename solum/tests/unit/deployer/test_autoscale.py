import types

from solum.deployer import autoscale
from solum.deployer import driver as driver_mod
from solum.deployer import fake
from solum.deployer import manager
from solum.deployer.local import podman
from solum.tests import base

POLICY = {'min': 1, 'max': 5, 'target_rps': 50}


class TestDesiredReplicas(base.TestCase):

    def test_by_requests_per_second(self):
        self.assertEqual(3, autoscale.desired_replicas(
            POLICY, 1, {'rps': 120, 'cpu': None}))
        self.assertEqual(1, autoscale.desired_replicas(
            POLICY, 3, {'rps': 10, 'cpu': None}))
        self.assertEqual(5, autoscale.desired_replicas(
            POLICY, 2, {'rps': 10000, 'cpu': None}))

    def test_by_cpu_and_the_larger_wins(self):
        policy = dict(POLICY, target_cpu=50)
        self.assertEqual(4, autoscale.desired_replicas(
            policy, 2, {'rps': 60, 'cpu': 90}))
        self.assertEqual(2, autoscale.desired_replicas(
            policy, 2, {'rps': 60, 'cpu': 10}))

    def test_unknown_load_keeps_within_bounds(self):
        self.assertEqual(2, autoscale.desired_replicas(
            POLICY, 2, {'rps': None, 'cpu': None}))
        self.assertEqual(2, autoscale.desired_replicas(
            dict(POLICY, min=2), 1, {'rps': None, 'cpu': None}))

    def test_quota_caps_the_maximum(self):
        self.assertEqual(3, autoscale.desired_replicas(
            POLICY, 1, {'rps': 1000, 'cpu': None}, quota=3))


class TestGoDurations(base.TestCase):

    def test_parse(self):
        self.assertAlmostEqual(2.081347319,
                               podman.parse_duration('2.081347319s'))
        self.assertAlmostEqual(62.5, podman.parse_duration('1m2.5s'))
        self.assertAlmostEqual(0.3, podman.parse_duration('300ms'))
        self.assertEqual(0, podman.parse_duration(''))


class TestManagerAutoscale(base.DbTestCase):

    def setUp(self):
        super().setUp()
        from solum.db import api as db_api
        self.db_api = db_api
        ctx = types.SimpleNamespace(project_id='p', user_id='u',
                                    all_projects=False)
        self.app = db_api.create_app(ctx, {
            'name': 'web', 'parameters': {'autoscale': dict(
                POLICY, cooldown=60)}})
        self.release = db_api.create_release(None, self.app, {
            'image': 'img', 'config': {}, 'replicas': 1})
        db_api.activate_release(None, self.release.id)
        self.driver = fake.FakeDriver()
        self.manager = manager.DeployerManager(driver=self.driver)

    def test_scales_on_load_then_waits_for_the_cooldown(self):
        fake.FakeDriver.metrics_value = {'replicas': 1, 'rps': 170,
                                         'cpu': None}
        self.addCleanup(setattr, fake.FakeDriver, 'metrics_value',
                        {'replicas': None, 'rps': None, 'cpu': None})
        self.manager.autoscale()
        self.assertEqual(4, self.db_api.active_release(
            None, self.app.id).replicas)
        self.assertEqual(('scale', self.app.uuid, 4),
                         fake.FakeDriver.calls[-1])
        fake.FakeDriver.metrics_value = {'replicas': 4, 'rps': 5,
                                         'cpu': None}
        self.manager.autoscale()   # within the cooldown: no change
        self.assertEqual(4, self.db_api.active_release(
            None, self.app.id).replicas)
        self.manager._last_scaled[self.app.uuid] -= 61
        self.manager.autoscale()
        self.assertEqual(1, self.db_api.active_release(
            None, self.app.id).replicas)

    def test_apps_without_policy_are_left_alone(self):
        self.db_api.update_app(None, self.app.uuid, {'parameters': {}})
        fake.FakeDriver.metrics_value = {'replicas': 1, 'rps': 1000,
                                         'cpu': None}
        self.addCleanup(setattr, fake.FakeDriver, 'metrics_value',
                        {'replicas': None, 'rps': None, 'cpu': None})
        self.manager.autoscale()
        self.assertEqual([], [c for c in fake.FakeDriver.calls
                              if c[0] == 'scale'])
        self.assertIsInstance(self.manager.current_target(self.app.uuid),
                              driver_mod.Target)


class TestInterruptedReleases(TestManagerAutoscale):

    def test_reconcile_fails_releases_left_deploying(self):
        stuck = self.db_api.create_release(None, self.app, {
            'image': 'img2', 'config': {}, 'replicas': 1})
        self.manager.reconcile()
        status = {r.uuid: r.status for r in self.db_api.list_releases(
            None, self.app.id)}
        self.assertEqual('FAILED', status[stuck.uuid])
        self.assertEqual('ACTIVE', status[self.release.uuid])
        self.assertEqual(('start', [self.app.uuid]),
                         fake.FakeDriver.calls[-1])
