"""A replica started while its workflow's tests run (the local driver's
prestart): pending until its deploy adopts it, left alone by heals and by
other deploys meanwhile, removed when it will not be deployed."""

import time

from solum.common import context as solum_context
from solum.common import states
from solum.db import api as db_api
from solum.deployer import deployments
from solum.deployer import driver as base_driver
from solum.deployer import manager
from solum.deployer.local import replicas
from solum.tests import base
from solum.tests.unit.deployer import local_fakes as fakes

APP = fakes.APP
release = fakes.release
PROJECT = 'a0000000000000000000000000000000'


def pending_of(rel):
    return deployments.PendingRelease(rel.uuid, rel.number, rel.image,
                                      rel.config)


class TestPendingReplicas(fakes.LocalDriverTestCase):

    def prestart(self, wf_uuid, rel, ttl=600):
        self.driver.prestart(APP, wf_uuid, pending_of(rel), ttl)
        return [r for r in self.podman.runs
                if r['labels'].get(replicas.L_RELEASE) == rel.uuid][-1]

    def test_it_runs_labelled_pending_and_unrouted(self):
        run = self.prestart('wf-2', release(2))
        self.assertIn(replicas.L_PENDING_UNTIL, run['labels'])
        self.assertGreater(float(run['labels'][replicas.L_PENDING_UNTIL]),
                           time.time() + 500)
        self.assertEqual('2', run['env']['SOLUM_RELEASE'])
        self.assertEqual([], self.servers())

    def test_its_deploy_adopts_it(self):
        self.driver.deploy(base_driver.Target(APP, release(1), 1))
        old = self.servers()
        run = self.prestart('wf-2', release(2))
        pending = self.driver.claim_prestart('wf-2')
        self.assertEqual(run['name'], pending.replica.name)
        self.driver.deploy(base_driver.Target(APP, release(2), 2,
                                              prestarted=pending))
        # One replica more was started, the pending one serves beside it.
        self.assertEqual(3, len(self.podman.runs))
        self.assertIn(run['name'], self.servers())
        self.assertEqual(2, len(self.servers()))
        self.assertFalse(set(old) & set(self.servers()))
        self.assertIsNone(self.driver.claim_prestart('wf-2'))

    def test_once_adopted_it_is_a_replica_like_any_other(self):
        # It keeps its pending label: the next release's deploy retires
        # it, and a heal replaces one left over.
        self.prestart('wf-1', release(1))
        pending = self.driver.claim_prestart('wf-1')
        self.driver.deploy(base_driver.Target(APP, release(1), 1,
                                              prestarted=pending))
        self.driver.deploy(base_driver.Target(APP, release(2), 1))
        self.assertNotIn(pending.replica.name, self.podman.containers)
        self.prestart('wf-3', release(3))
        adopted = self.driver.claim_prestart('wf-3')
        self.driver.deploy(base_driver.Target(APP, release(3), 1,
                                              prestarted=adopted))
        self.driver.heal([base_driver.Target(APP, release(4), 1)])
        self.assertNotIn(adopted.replica.name, self.podman.containers)

    def test_other_deploys_and_heals_leave_it_alone(self):
        self.driver.deploy(base_driver.Target(APP, release(1), 1))
        run = self.prestart('wf-3', release(3))
        self.driver.deploy(base_driver.Target(APP, release(2), 1))
        self.assertIn(run['name'], self.podman.containers)
        self.driver.heal([base_driver.Target(APP, release(2), 1)])
        self.assertIn(run['name'], self.podman.containers)
        self.assertNotIn(run['name'], self.servers())
        # Nothing of the app should run: still its workflow's.
        self.driver.heal([])
        self.assertIn(run['name'], self.podman.containers)

    def test_a_heal_removes_it_once_its_time_is_up(self):
        run = self.prestart('wf-1', release(1), ttl=-1)
        self.driver.heal([])
        self.assertNotIn(run['name'], self.podman.containers)
        self.assertIsNone(self.driver.claim_prestart('wf-1'))

    def test_discard_removes_it(self):
        run = self.prestart('wf-1', release(1))
        self.driver.discard_prestart('wf-1')
        self.assertNotIn(run['name'], self.podman.containers)
        self.assertIsNone(self.driver.claim_prestart('wf-1'))

    def test_one_per_workflow(self):
        self.prestart('wf-1', release(1))
        self.prestart('wf-1', release(1))
        self.assertEqual(1, len(self.podman.runs))

    def test_a_failed_start_leaves_nothing_to_claim(self):
        self.podman.broken_images.add(release(1).image)

        def refuse(*args, **kwargs):
            raise replicas.podman_mod.PodmanError('no such image')
        self.patch(self.podman, 'run', refuse)
        self.driver.prestart(APP, 'wf-1', pending_of(release(1)), 600)
        self.assertIsNone(self.driver.claim_prestart('wf-1'))


class TestPrestartThenDeploy(fakes.LocalDriverTestCase, base.DbTestCase):
    """The deployer's prestart and deploy on a real database."""

    def setUp(self):
        super().setUp()
        self.ctx = solum_context.RequestContext(project_id=PROJECT)
        self.app = db_api.create_app(self.ctx, {'name': 'web',
                                                'ports': [5000]})
        self.deployer = manager.DeployerManager(driver=self.driver)
        self.deployer.conductor = base.RecordingConductor(apply=True)
        self.image = 'localhost/solum/%s/web:wf1-abc' % PROJECT

    def workflow(self, config=None):
        # In its deploy stage already: prestart does not look.
        wf = db_api.create_workflow(self.ctx, self.app, {
            'actions': ['unittest', 'build', 'deploy'],
            'config': config or {}}, states.DEPLOYING)
        db_api.update_workflow_result(None, wf.uuid, {'image': self.image})
        return wf

    def app_servers(self):
        return sorted(self.router.backends[
            replicas.backend_name(self.app)].servers)

    def deploy(self, wf):
        self.deployer.deploy(None, wf.uuid)
        return db_api.get_workflow_by_uuid(None, wf.uuid)

    def test_the_deploy_serves_the_replica_started_during_the_tests(self):
        wf = self.workflow()
        self.deployer.prestart(None, wf.uuid, self.image)
        [run] = self.podman.runs
        wf = self.deploy(wf)
        self.assertEqual(states.DEPLOYMENT_COMPLETE, wf.status)
        [rel] = db_api.list_releases(None, self.app.id)
        self.assertEqual((rel.uuid, str(rel.number)),
                         (run['labels'][replicas.L_RELEASE],
                          str(run['labels'][replicas.L_NUMBER])))
        self.assertEqual(1, len(self.podman.runs))
        self.assertEqual([run['name']], self.app_servers())
        self.assertIn('started during the tests',
                      '\n'.join(x.message for x in
                                db_api.get_log_lines(None, wf.uuid)))

    def test_a_release_made_meanwhile_takes_its_place(self):
        wf = self.workflow()
        self.deployer.prestart(None, wf.uuid, self.image)
        [run] = self.podman.runs
        db_api.create_release(None, self.app, {
            'image': 'other', 'config': {}, 'replicas': 1})
        wf = self.deploy(wf)
        self.assertEqual(states.DEPLOYMENT_COMPLETE, wf.status)
        self.assertNotIn(run['name'], self.podman.containers)
        self.assertEqual(2, len(self.podman.runs))
        self.assertNotIn(run['name'], self.app_servers())

    def test_changed_settings_take_its_place(self):
        wf = self.workflow()
        self.deployer.prestart(None, wf.uuid, self.image)
        [run] = self.podman.runs
        db_api.update_app(None, self.app.uuid,
                          {'parameters': {'user_params': {'A': 'b'}}})
        wf = self.deploy(wf)
        self.assertEqual(states.DEPLOYMENT_COMPLETE, wf.status)
        self.assertNotIn(run['name'], self.podman.containers)
        self.assertEqual('b', self.podman.runs[-1]['env']['A'])

    def test_not_with_a_release_cmd(self):
        wf = self.workflow(config={'release_cmd': 'migrate'})
        self.deployer.prestart(None, wf.uuid, self.image)
        self.assertEqual([], self.podman.runs)

    def test_not_when_switched_off(self):
        self.conf.config(start_during_tests=False, group='deployer')
        self.deployer.prestart(None, self.workflow().uuid, self.image)
        self.assertEqual([], self.podman.runs)

    def another_deployers_replica(self, wf):
        """A replica pending for ``wf`` that another deployer process of
        this host started (not in this driver's registry)."""
        other = type(self.driver)(podman=self.podman, router=self.router)
        other.prestart(self.app, wf.uuid, deployments.pending_release(
            self.app, wf, self.image), 600)
        return self.podman.runs[-1]['name']

    def test_another_deployers_replica_is_removed_once_served(self):
        wf = self.workflow()
        name = self.another_deployers_replica(wf)
        wf = self.deploy(wf)
        self.assertEqual(states.DEPLOYMENT_COMPLETE, wf.status)
        self.assertNotIn(name, self.podman.containers)
        self.assertEqual(1, len(self.app_servers()))

    def test_another_deployers_replica_is_discarded_by_its_labels(self):
        wf = self.workflow()
        name = self.another_deployers_replica(wf)
        self.deployer.discard_prestart(None, wf.uuid)
        self.assertNotIn(name, self.podman.containers)

    def test_discarded_when_the_workflow_will_not_deploy(self):
        wf = self.workflow()
        self.deployer.prestart(None, wf.uuid, self.image)
        [run] = self.podman.runs
        self.deployer.discard_prestart(None, wf.uuid)
        self.assertNotIn(run['name'], self.podman.containers)
