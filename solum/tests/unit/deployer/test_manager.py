"""The deployer's RPC endpoint against a real database: which images a
deploy workflow may run, which images go with a deleted app."""

import threading
import time
import types

import fixtures

from solum.common import context as solum_context
from solum.conductor import states
from solum.db import api as db_api
from solum.deployer import driver as driver_mod
from solum.deployer import fake
from solum.deployer import manager
from solum.tests import base

PROJECT_A = 'a0000000000000000000000000000000'
PROJECT_B = 'b0000000000000000000000000000000'


class Conductor:
    """Applies the reports as the conductor's guarded moves do."""

    def __init__(self):
        self.reports = []

    def report_state(self, context, wf_uuid, expected, target, reason=None,
                     result=None):
        self.reports.append((expected, target, reason))
        db_api.transition_workflow(wf_uuid, expected, target, reason=reason,
                                   result=result)


class LabelledDriver(fake.FakeDriver):
    """The fake driver with a local image storage: image -> project."""

    def __init__(self, images):
        self.images = images
        self.asked = []

    def image_project(self, image):
        self.asked.append(image)
        return self.images.get(image)


class TestDuIdOwnership(base.DbTestCase):

    def setUp(self):
        super().setUp()
        fake.FakeDriver.reset()
        self.addCleanup(fake.FakeDriver.reset)
        self.ctx_a = solum_context.RequestContext(project_id=PROJECT_A)
        self.ctx_b = solum_context.RequestContext(project_id=PROJECT_B)
        self.app = db_api.create_app(self.ctx_a, {'name': 'hello',
                                                  'ports': [8080]})
        self.other = db_api.create_app(self.ctx_b, {'name': 'hello',
                                                    'ports': [8080]})
        self.mine = 'localhost/solum/%s/hello:wf1-abc' % PROJECT_A
        self.theirs = 'localhost/solum/%s/hello:wf1-abc' % PROJECT_B
        self.driver = LabelledDriver({self.mine: PROJECT_A,
                                      self.theirs: PROJECT_B,
                                      'unlabelled': None})
        self.deployer = manager.DeployerManager(driver=self.driver)
        self.deployer.conductor = Conductor()

    def deploy(self, du_id, app=None, ctx=None):
        wf = db_api.create_workflow(ctx or self.ctx_a, app or self.app, {
            'actions': ['deploy'], 'du_id': du_id}, states.DEPLOYING)
        self.deployer.deploy(None, wf.uuid)
        return db_api.get_workflow_by_uuid(wf.uuid)

    def deploys(self):
        return [c for c in fake.FakeDriver.calls if c[0] == 'deploy']

    def assert_refused(self, wf, image):
        self.assertEqual(states.ERROR_CODE_DEPLOYMENT, wf.status)
        self.assertEqual('image %s (du_id) does not belong to project %s' %
                         (image, PROJECT_A), wf.reason)
        self.assertEqual([], self.deploys())
        self.assertEqual([], db_api.list_releases(self.app.id))

    def test_another_projects_image_is_refused(self):
        self.assert_refused(self.deploy(self.theirs), self.theirs)

    def test_missing_or_unlabelled_images_are_refused_alike(self):
        self.assert_refused(self.deploy('unlabelled'), 'unlabelled')
        self.assert_refused(self.deploy('localhost/solum/nope:1'),
                            'localhost/solum/nope:1')

    def test_a_flag_is_never_looked_up(self):
        self.assert_refused(self.deploy('--help'), '--help')
        self.assertEqual([], self.driver.asked)

    def test_an_image_labelled_with_the_apps_project_is_deployed(self):
        wf = self.deploy(self.mine)
        self.assertEqual(states.DEPLOYMENT_COMPLETE, wf.status, wf.reason)
        release, = db_api.list_releases(self.app.id)
        self.assertEqual(self.mine, release.image)

    def test_an_image_of_the_apps_own_releases_is_deployed(self):
        # As a rollback does: the image is one an earlier release ran.
        db_api.create_release(self.app, {'image': 'unlabelled',
                                         'config': {}, 'replicas': 1})
        wf = self.deploy('unlabelled')
        self.assertEqual(states.DEPLOYMENT_COMPLETE, wf.status, wf.reason)

    def test_another_apps_release_image_is_not_enough(self):
        db_api.create_release(self.other, {'image': 'unlabelled',
                                           'config': {}, 'replicas': 1})
        self.assert_refused(self.deploy('unlabelled'), 'unlabelled')

    def test_drivers_fetching_through_the_apps_credentials_decide(self):
        # No local storage to look into (heat: Glance through the trust).
        self.deployer = manager.DeployerManager(driver=fake.FakeDriver())
        self.deployer.conductor = Conductor()
        wf = self.deploy('3c1ec0b5-4d1e-4bd4-9a70-6b7a3c1b2d11')
        self.assertEqual(states.DEPLOYMENT_COMPLETE, wf.status, wf.reason)

    def test_build_results_are_not_checked(self):
        wf = db_api.create_workflow(self.ctx_a, self.app, {
            'actions': ['build', 'deploy'],
            'result': {'image': 'built-by-this-workflow'}}, states.DEPLOYING)
        self.deployer.deploy(None, wf.uuid)
        self.assertEqual(states.DEPLOYMENT_COMPLETE,
                         db_api.get_workflow_by_uuid(wf.uuid).status)
        self.assertEqual([], self.driver.asked)

    def test_an_app_being_deleted_is_not_deployed(self):
        wf = db_api.create_workflow(self.ctx_a, self.app, {
            'actions': ['deploy'], 'du_id': self.mine}, states.DEPLOYING)
        db_api.set_app_status(self.app.id, states.DELETING)
        self.deployer.deploy(None, wf.uuid)
        wf = db_api.get_workflow_by_uuid(wf.uuid)
        self.assertEqual((states.ERROR_CODE_DEPLOYMENT,
                          'the app is being deleted'), (wf.status, wf.reason))
        self.assertEqual([], self.deploys())

    def test_a_workflow_no_longer_deploying_is_left_alone(self):
        wf = db_api.create_workflow(self.ctx_a, self.app, {
            'actions': ['deploy'], 'du_id': self.mine}, states.ERROR)
        self.deployer.deploy(None, wf.uuid)
        self.assertEqual([], self.deployer.conductor.reports)
        self.assertEqual([], self.deploys())


class TestAppImages(base.DbTestCase):

    def test_only_the_apps_own_projects_images(self):
        app = types.SimpleNamespace(name='hello', project_id='Proj1')
        releases = [types.SimpleNamespace(image=i) for i in (
            'localhost/solum/proj1/hello:wf1-abc',
            'localhost/solum/proj1/hello:wf2-def',
            'localhost/solum/proj2/hello:wf1-abc',   # same name, project B
            'localhost/solum/proj1/hello2:wf1-abc',
            'localhost/solum/base-python:bookworm',
            'localhost/solum/proj1/hello:x/y')]
        self.assertEqual(['localhost/solum/proj1/hello:wf1-abc',
                          'localhost/solum/proj1/hello:wf2-def'],
                         manager.app_images(app, releases))

    def test_undeploy_passes_them_to_the_driver(self):
        calls = []

        class Driver(fake.FakeDriver):
            def undeploy(self, app, images=()):
                calls.append(sorted(images))
        ctx = solum_context.RequestContext(project_id=PROJECT_A)
        app = db_api.create_app(ctx, {'name': 'hello'})
        for image in ('localhost/solum/%s/hello:1' % PROJECT_A,
                      'localhost/solum/%s/hello:1' % PROJECT_B):
            db_api.create_release(app, {'image': image, 'config': {},
                                        'replicas': 1})
        manager.DeployerManager(driver=Driver()).undeploy(None, app.uuid)
        self.assertEqual([['localhost/solum/%s/hello:1' % PROJECT_A]],
                         calls)



class TestWorkflowGone(base.DbTestCase):

    def test_no_report_for_a_workflow_deleted_meanwhile(self):
        """An app deleted while its deploy ends: the workflow row is gone,
        and the deployer reports nothing instead of raising NotFound."""
        self.assertFalse(manager.DeployerManager._wait_for_status(
            '00000000-0000-0000-0000-000000000000', states.STARTING_APP,
            timeout=1))


class TestActivation(base.DbTestCase):
    """The release becomes active inside the driver's deploy (under the
    app's lock), not after it returns."""

    def setUp(self):
        super().setUp()
        fake.FakeDriver.reset()
        self.addCleanup(fake.FakeDriver.reset)
        self.ctx = solum_context.RequestContext(project_id=PROJECT_A)
        self.app = db_api.create_app(self.ctx, {'name': 'hello',
                                                'ports': [8080]})
        self.seen = []
        test = self

        class Driver(fake.FakeDriver):
            def deploy(self, target, on_serving=None):
                def serving():
                    test.seen.append(test.active())
                    on_serving()
                    test.seen.append(test.active())
                return super().deploy(target, on_serving=serving)
        self.deployer = manager.DeployerManager(driver=Driver())
        self.deployer.conductor = Conductor()

    def active(self):
        release = db_api.active_release(self.app.id)
        return release and release.number

    def deploy(self):
        wf = db_api.create_workflow(self.ctx, self.app, {
            'actions': ['deploy'], 'result': {'image': 'img'}},
            states.DEPLOYING)
        self.deployer.deploy(None, wf.uuid)
        return db_api.get_workflow_by_uuid(wf.uuid)

    def test_active_once_serving(self):
        self.assertEqual(states.DEPLOYMENT_COMPLETE, self.deploy().status)
        self.assertEqual(states.DEPLOYMENT_COMPLETE, self.deploy().status)
        self.assertEqual([None, 1, 1, 2], self.seen)
        self.assertEqual(2, self.active())

    def test_a_failed_deploy_activates_nothing(self):
        self.deploy()
        fake.FakeDriver.fail_next.append(
            driver_mod.DeployError('never healthy'))
        wf = self.deploy()
        self.assertEqual(states.ERROR_CODE_DEPLOYMENT, wf.status)
        self.assertEqual(1, self.active())
        self.assertEqual(['ACTIVE', 'FAILED'],
                         [r.status for r in
                          db_api.list_releases(self.app.id)])


class TestReconcileFirst(base.DbTestCase):
    """Deploys, scales and deletes wait for the start-up reconcile."""

    def setUp(self):
        super().setUp()
        fake.FakeDriver.reset()
        self.addCleanup(fake.FakeDriver.reset)
        self.conf.config(reconcile_on_start=True, group='deployer')
        self.release_start = threading.Event()
        self.events = []
        test = self

        class SlowStart(fake.FakeDriver):
            def start(self, targets):
                test.events.append('start begins')
                test.release_start.wait(10)
                test.events.append('start ends')

            def scale(self, target, current=None):
                test.events.append('scale')
        self.deployer = manager.DeployerManager(driver=SlowStart())
        self.addCleanup(self.deployer.stop)
        ctx = solum_context.RequestContext(project_id=PROJECT_A)
        self.app = db_api.create_app(ctx, {'name': 'hello'})
        release = db_api.create_release(self.app, {
            'image': 'img', 'config': {}, 'replicas': 1})
        db_api.activate_release(release.id)

    def test_scale_waits_for_the_reconcile(self):
        self.deployer.start()
        scaler = threading.Thread(target=self.deployer.scale,
                                  args=(None, self.app.uuid))
        scaler.start()
        self.addCleanup(scaler.join, 10)
        time.sleep(0.3)
        self.assertEqual(['start begins'], self.events)
        self.release_start.set()
        scaler.join(10)
        self.assertEqual(['start begins', 'start ends', 'scale'],
                         self.events)

    def test_nothing_waits_without_a_start(self):
        # With no wait allowed, an unset event would log that it gave up.
        self.patch(manager, 'RECONCILE_WAIT', 0)
        logger = self.useFixture(fixtures.FakeLogger())
        self.deployer.scale(None, self.app.uuid)
        self.assertEqual(['scale'], self.events)
        self.assertNotIn('Reconciling deployed apps takes over',
                         logger.output)
