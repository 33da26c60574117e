"""An app may choose its deployer driver (parameters.deployer) among
those the operator allows ([deployer] allowed_drivers)."""

import time

import fixtures

from solum.deployer import driver as driver_mod
from solum.deployer import fake
from solum.tests.unit.api import base

IMAGE = 'localhost/solum/%s/hello:1'


class OtherDriver(fake.FakeDriver):
    calls = []
    running = {}
    fail_next = []

    def app_url(self, app):
        return 'http://other/%s/' % app.name


def load(name=None):
    return OtherDriver() if name == 'other' else fake.FakeDriver()


class TestDriverChoice(base.APITestCase):

    def setUp(self):
        super().setUp()
        OtherDriver.calls[:] = []
        self.useFixture(fixtures.MockPatchObject(driver_mod, 'load',
                                                 side_effect=load))

    def test_not_allowed_is_refused(self):
        resp = self.create_app(body={'parameters': {'deployer': 'other'}},
                               status=400).json
        self.assertIn("parameters.deployer: 'other' is not allowed",
                      resp['faultstring'])
        app = self.create_app(body={'parameters': {'deployer': 'fake'}}).json
        self.patch_json('/v1/apps/%s' % app['id'],
                        {'parameters': {'deployer': 'heat'}}, status=400)

    def wait_for(self, call, calls):
        deadline = time.monotonic() + 5
        while call not in calls:
            self.assertLess(time.monotonic(), deadline, calls)
            time.sleep(0.02)

    def test_app_runs_on_its_driver(self):
        self.conf.config(allowed_drivers=['other'], group='deployer')
        app = self.create_app(body={'parameters': {'deployer': 'other'}}).json
        path = '/v1/apps/%s' % app['id']
        wf = self.post_json(path + '/workflows', {
            'actions': ['deploy'], 'du_id': IMAGE % base.PROJECT_A}).json
        done = self.wait_for_workflow(wf['id'])
        self.assertEqual('DEPLOYMENT_COMPLETE', done.status, done.reason)
        self.assertEqual(('deploy', app['id'], 1, 1), OtherDriver.calls[-1])
        self.assertFalse([c for c in fake.FakeDriver.calls
                          if c[0] == 'deploy'])
        release, = self.get(path + '/releases').json
        self.assertEqual('other', release['config']['driver'])
        self.assertEqual('http://other/hello/',
                         self.get(path).json['app_url'])
        self.post_json(path + '/scale', {'replicas': 2}, status=202)
        self.wait_for(('scale', app['id'], 2), OtherDriver.calls)
        self.delete(path)
        self.wait_for(('undeploy', app['id']), OtherDriver.calls)
        deadline = time.monotonic() + 5
        while self.app.get(path, headers=self.headers(),
                           expect_errors=True).status_int != 404:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.02)

    def test_moving_to_another_driver_keeps_the_images(self):
        # A rollback to a release of the first driver needs its image.
        removed = self.useFixture(fixtures.MockPatch(
            'solum.common.images.remove')).mock
        self.conf.config(allowed_drivers=['other'], group='deployer')
        app = self.create_app().json
        path = '/v1/apps/%s' % app['id']
        for params in ({}, {'deployer': 'other'}):
            if params:
                self.patch_json(path, {'parameters': params})
            wf = self.post_json(path + '/workflows', {
                'actions': ['deploy'], 'du_id': IMAGE % base.PROJECT_A}).json
            done = self.wait_for_workflow(wf['id'])
            self.assertEqual('DEPLOYMENT_COMPLETE', done.status, done.reason)
        self.assertIn(('undeploy', app['id']), fake.FakeDriver.calls)
        # Undeploying removes no image (the builder does, with the app).
        removed.assert_not_called()
        self.assertEqual(('deploy', app['id'], 2, 1), OtherDriver.calls[-1])
