"""Load sampling of the local driver (metrics.py)."""

from solum.deployer import driver as base_driver
from solum.deployer.local import driver
from solum.deployer.local import metrics
from solum.deployer.local import replicas
from solum.tests import base
from solum.tests.unit.deployer import local_fakes as fakes

APP = fakes.APP
release = fakes.release
FakeRouter = fakes.FakeRouter
FakePodman = fakes.FakePodman


class TestMetrics(base.TestCase):

    def test_requests_and_cpu_as_deltas(self):
        self.conf.config(host='node-1')
        self.conf.config(cpus=0.5, group='deployer')
        podman_ = FakePodman()
        router_ = FakeRouter()
        d = driver.LocalDriver(podman=podman_, router=router_)
        self.patch(replicas, 'probe', lambda port, path: True)
        d.deploy(base_driver.Target(APP, release(1), 2))
        names = sorted(podman_.containers)
        samples = iter([
            (100.0, '1000', {names[0]: 1.0, names[1]: 2.0}),
            (102.0, '1400', {names[0]: 1.5, names[1]: 2.5})])
        state = {}

        def tick():
            state['now'], state['req'], state['cpu'] = next(samples)
            return state['now']
        self.patch(metrics.time, 'monotonic', tick)
        router_.backend_stats = lambda name: {'req_tot': state['req']}
        podman_.cpu_times = lambda names: state['cpu']
        first = d.metrics(APP)
        self.assertEqual((2, None, None),
                         (first['replicas'], first['rps'], first['cpu']))
        second = d.metrics(APP)
        self.assertEqual(200.0, second['rps'])
        # 0.5 s of CPU in 2 s per replica = 25 % of a core = 50 % of 0.5.
        self.assertAlmostEqual(50.0, second['cpu'])
