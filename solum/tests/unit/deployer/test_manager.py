"""The deployer's RPC endpoint against a real database: which images a
deploy workflow may run, the order deploys and scale requests apply in,
and what the app's lock covers."""

import threading
import time

import fixtures

from solum.common import context as solum_context
from solum.common import locks
from solum.common import states
from solum.db import api as db_api
from solum.deployer import driver as driver_mod
from solum.deployer import fake
from solum.deployer import manager
from solum.tests import base

PROJECT_A = 'a0000000000000000000000000000000'
PROJECT_B = 'b0000000000000000000000000000000'


def Conductor():
    """Applies the reports as the conductor's guarded moves do."""
    return base.RecordingConductor(apply=True)


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
        return db_api.get_workflow_by_uuid(None, wf.uuid)

    def deploys(self):
        return [c for c in fake.FakeDriver.calls if c[0] == 'deploy']

    def assert_refused(self, wf, image):
        self.assertEqual(states.ERROR_CODE_DEPLOYMENT, wf.status)
        self.assertEqual('image %s (du_id) does not belong to project %s' %
                         (image, PROJECT_A), wf.reason)
        self.assertEqual([], self.deploys())
        self.assertEqual([], db_api.list_releases(None, self.app.id))

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
        release, = db_api.list_releases(None, self.app.id)
        self.assertEqual(self.mine, release.image)

    def test_an_image_of_the_apps_own_releases_is_deployed(self):
        # As a rollback does: the image is one an earlier release ran.
        db_api.create_release(None, self.app, {'image': 'unlabelled',
                                         'config': {}, 'replicas': 1})
        wf = self.deploy('unlabelled')
        self.assertEqual(states.DEPLOYMENT_COMPLETE, wf.status, wf.reason)

    def test_another_apps_release_image_is_not_enough(self):
        db_api.create_release(None, self.other, {'image': 'unlabelled',
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
                         db_api.get_workflow_by_uuid(None, wf.uuid).status)
        self.assertEqual([], self.driver.asked)

    def test_an_app_being_deleted_is_not_deployed(self):
        wf = db_api.create_workflow(self.ctx_a, self.app, {
            'actions': ['deploy'], 'du_id': self.mine}, states.DEPLOYING)
        db_api.set_app_status(None, self.app.id, states.DELETING)
        self.deployer.deploy(None, wf.uuid)
        wf = db_api.get_workflow_by_uuid(None, wf.uuid)
        self.assertEqual((states.ERROR_CODE_DEPLOYMENT,
                          'the app is being deleted'), (wf.status, wf.reason))
        self.assertEqual([], self.deploys())

    def test_a_workflow_no_longer_deploying_is_left_alone(self):
        wf = db_api.create_workflow(self.ctx_a, self.app, {
            'actions': ['deploy'], 'du_id': self.mine}, states.ERROR)
        self.deployer.deploy(None, wf.uuid)
        self.assertEqual([], self.deployer.conductor.reports)
        self.assertEqual([], self.deploys())


class TestUndeploy(base.DbTestCase):

    def test_every_driver_of_the_apps_releases_stops_it(self):
        calls = []

        class Driver(fake.FakeDriver):
            def undeploy(self, app):
                calls.append(app.uuid)
        ctx = solum_context.RequestContext(project_id=PROJECT_A)
        app = db_api.create_app(ctx, {'name': 'hello'})
        db_api.create_release(None, app, {'image': 'img', 'config': {},
                                          'replicas': 1})
        manager.DeployerManager(driver=Driver()).undeploy(None, app.uuid)
        # Once (one driver), and no image is the deployer's to remove:
        # the builder's stores remove them (test_image_stores).
        self.assertEqual([app.uuid], calls)


class TestWorkflowGone(base.DbTestCase):

    def test_no_report_for_a_workflow_deleted_meanwhile(self):
        """An app deleted while its deploy ends: the workflow row is gone,
        and the deployer reports nothing instead of raising NotFound."""
        ctx = solum_context.RequestContext(project_id=PROJECT_A)
        app = db_api.create_app(ctx, {'name': 'hello'})
        wf = db_api.create_workflow(ctx, app, {
            'actions': ['deploy'], 'result': {'image': 'img'}},
            states.DEPLOYING)

        class Driver(fake.FakeDriver):
            def deploy(self, target, on_serving=None):
                db_api.destroy_app(None, app.id)
                return 'http://gone/'
        deployer = manager.DeployerManager(driver=Driver())
        deployer.conductor = Conductor()
        deployer.deploy(None, wf.uuid)
        self.assertEqual([(states.DEPLOYING, states.STARTING_APP, None,
                           None)], deployer.conductor.reports)


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
        self.locked = []
        test = self

        class Driver(fake.FakeDriver):
            def deploy(self, target, on_serving=None):
                def serving():
                    test.seen.append(test.active())
                    test.locked.append(test.lock_is_held())
                    on_serving()
                    test.seen.append(test.active())
                return super().deploy(target, on_serving=serving)
        self.deployer = manager.DeployerManager(driver=Driver())
        self.deployer.conductor = Conductor()

    def active(self):
        release = db_api.active_release(None, self.app.id)
        return release and release.number

    def lock_is_held(self):
        """Is the app's lock taken, as another thread (a heal) finds it?"""
        free = []

        def attempt():
            with locks.app_lock(self.app.uuid, blocking=False) as held:
                free.append(held)
        thread = threading.Thread(target=attempt)
        thread.start()
        thread.join(10)
        return free == [False]

    def deploy(self):
        wf = db_api.create_workflow(self.ctx, self.app, {
            'actions': ['deploy'], 'result': {'image': 'img'}},
            states.DEPLOYING)
        self.deployer.deploy(None, wf.uuid)
        return db_api.get_workflow_by_uuid(None, wf.uuid)

    def test_active_once_serving(self):
        self.assertEqual(states.DEPLOYMENT_COMPLETE, self.deploy().status)
        self.assertEqual(states.DEPLOYMENT_COMPLETE, self.deploy().status)
        self.assertEqual([None, 1, 1, 2], self.seen)
        self.assertEqual([True, True], self.locked)
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
                          db_api.list_releases(None, self.app.id)])


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

            def scale(self, target):
                test.events.append('scale')
        self.deployer = manager.DeployerManager(driver=SlowStart())
        self.addCleanup(self.deployer.stop)
        ctx = solum_context.RequestContext(project_id=PROJECT_A)
        self.app = db_api.create_app(ctx, {'name': 'hello'})
        release = db_api.create_release(None, self.app, {
            'image': 'img', 'config': {}, 'replicas': 1})
        db_api.activate_release(None, release.id)

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

    def test_stop_waits_for_a_running_reconcile(self):
        self.deployer.start()
        for _i in range(100):
            if self.events:
                break
            time.sleep(0.02)
        self.assertEqual(['start begins'], self.events)

        def stop():
            self.deployer.stop()
            self.events.append('stopped')
        stopper = threading.Thread(target=stop)
        stopper.start()
        self.addCleanup(stopper.join, 10)
        time.sleep(0.2)
        self.assertEqual(['start begins'], self.events)
        self.release_start.set()
        stopper.join(10)
        self.assertEqual(['start begins', 'start ends', 'stopped'],
                         self.events)

    def test_no_reconcile_once_stopped(self):
        self.deployer.stop()
        self.deployer.start()
        self.deployer._thread.join(10)
        self.assertFalse(self.deployer._thread.is_alive())
        self.assertEqual([], self.events)
        self.assertTrue(self.deployer._reconciled.is_set())

    def test_nothing_waits_without_a_start(self):
        # With no wait allowed, an unset event would log that it gave up.
        self.patch(manager, 'RECONCILE_WAIT', 0)
        logger = self.useFixture(fixtures.FakeLogger())
        self.deployer.scale(None, self.app.uuid)
        self.assertEqual(['scale'], self.events)
        self.assertNotIn('Reconciling deployed apps takes over',
                         logger.output)


class _OneAppOnTheFakeDriver(base.DbTestCase):
    """One app of project A, and a fake driver with an empty journal."""

    def setUp(self):
        super().setUp()
        fake.FakeDriver.reset()
        self.addCleanup(fake.FakeDriver.reset)
        self.ctx = solum_context.RequestContext(project_id=PROJECT_A)
        self.app = db_api.create_app(self.ctx, {'name': 'hello'})


class TestDeployOrder(_OneAppOnTheFakeDriver):
    """Deploys apply once each, in the order of their workflows, whichever
    deployer gets which message."""

    def setUp(self):
        super().setUp()
        self.wfs = [db_api.create_workflow(self.ctx, self.app, {
            'actions': ['deploy'], 'result': {'image': 'img-%d' % n}},
            states.DEPLOYING) for n in (1, 2, 3)]
        self.deployer = manager.DeployerManager(driver=fake.FakeDriver())
        self.deployer.conductor = Conductor()

    def releases(self):
        return [(r.number, r.image, r.status)
                for r in db_api.list_releases(None, self.app.id)]

    def test_a_later_message_first_deploys_the_earlier_workflows_too(self):
        self.deployer.deploy(None, self.wfs[1].uuid)
        self.assertEqual([(1, 'img-1', 'SUPERSEDED'), (2, 'img-2', 'ACTIVE')],
                         self.releases())
        # The first workflow's own message, late: applied already.
        self.deployer.deploy(None, self.wfs[0].uuid)
        self.deployer.deploy(None, self.wfs[2].uuid)
        self.deployer.deploy(None, self.wfs[2].uuid)
        self.assertEqual([(1, 'img-1', 'SUPERSEDED'),
                          (2, 'img-2', 'SUPERSEDED'), (3, 'img-3', 'ACTIVE')],
                         self.releases())
        for wf in self.wfs:
            wf = db_api.get_workflow_by_uuid(None, wf.uuid)
            self.assertEqual(states.DEPLOYMENT_COMPLETE, wf.status)
            self.assertEqual(int(wf.result['image'][-1]),
                             wf.result['deployed_release'])


class TestScaleOrder(_OneAppOnTheFakeDriver):
    """Scale requests apply once each, in the order the API numbered them
    (db.request_scale), to the release active when they run."""

    def setUp(self):
        super().setUp()
        self.release = db_api.create_release(None, self.app, {
            'image': 'img', 'config': {}, 'replicas': 1})
        db_api.activate_release(None, self.release.id)
        self.deployer = manager.DeployerManager(driver=fake.FakeDriver())

    def scales(self):
        return [c[2] for c in fake.FakeDriver.calls if c[0] == 'scale']

    def test_a_request_waits_for_the_one_before_it(self):
        first, second = (db_api.request_scale(None, self.app.id)
                         for _ in range(2))
        self.assertEqual((1, 2), (first, second))
        late = threading.Thread(target=self.deployer.scale,
                                args=(None, self.app.uuid, 4, second))
        late.start()
        time.sleep(0.3)
        self.assertEqual([], self.scales())   # request 1 not applied yet
        self.deployer.scale(None, self.app.uuid, 3, first)
        late.join(10)
        self.assertEqual([3, 4], self.scales())
        self.assertEqual(4, db_api.active_release(None,
                                                  self.app.id).replicas)
        # Redelivered: applied once.
        self.deployer.scale(None, self.app.uuid, 3, first)
        self.assertEqual([3, 4], self.scales())

    def test_a_lost_request_holds_the_next_one_back_only_so_long(self):
        self.patch(manager, 'SCALE_ORDER_WAIT', 0.2)
        db_api.request_scale(None, self.app.id)
        second = db_api.request_scale(None, self.app.id)
        self.deployer.scale(None, self.app.uuid, 2, second)
        self.assertEqual([2], self.scales())

    def test_scale_runs_the_release_active_when_it_holds_the_lock(self):
        newer = db_api.create_release(None, self.app, {
            'image': 'img2', 'config': {}, 'replicas': 1})
        with locks.app_lock(self.app.uuid):
            scaler = threading.Thread(
                target=self.deployer.scale,
                args=(None, self.app.uuid, 3,
                      db_api.request_scale(None, self.app.id)))
            scaler.start()
            time.sleep(0.2)
            # A deploy, holding the lock, makes another release active.
            db_api.activate_release(None, newer.id)
        scaler.join(10)
        self.assertEqual([('scale', self.app.uuid, 3)],
                         [c for c in fake.FakeDriver.calls])
        self.assertEqual((newer.id, 3), (
            db_api.active_release(None, self.app.id).id,
            db_api.active_release(None, self.app.id).replicas))
