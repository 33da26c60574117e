"""The conductor against a real database, with the workers faked: what it
asks of them is recorded."""

import datetime
from unittest import mock

from oslo_utils import timeutils

from solum.common import context as solum_context
from solum.common import states
from solum.conductor import manager
from solum.db import api as db_api
from solum.tests import base


class ConductorTestBase(base.DbTestCase):

    def setUp(self):
        super().setUp()
        self.context = solum_context.RequestContext(project_id='p1',
                                                    user_id='u1')
        self.app = db_api.create_app(self.context, {
            'name': 'app', 'source': {'repository': 'https://x/y.git'}})
        self.conductor = manager.ConductorManager()
        self.conductor.builder = mock.Mock()
        self.conductor.deployer = mock.Mock()

    def workflow(self, actions=('unittest', 'build', 'deploy'),
                 status=states.QUEUED):
        return db_api.create_workflow(self.context, self.app,
                                      {'actions': list(actions)}, status)

    def status(self, wf):
        return db_api.get_workflow_by_uuid(None, wf.uuid).status


class TestConductor(ConductorTestBase):

    def test_start_dispatches_the_first_stage_once(self):
        wf = self.workflow()
        self.conductor.start_workflow(self.context, wf.uuid)
        self.conductor.start_workflow(self.context, wf.uuid)  # redelivery
        self.assertEqual(states.UNIT_TESTING, self.status(wf))
        self.conductor.builder.unit_test.assert_called_once_with(
            self.context, wf.uuid)

    def test_success_moves_on_to_the_next_stage(self):
        wf = self.workflow()
        self.conductor.start_workflow(self.context, wf.uuid)
        self.conductor.report_state(self.context, wf.uuid,
                                    states.UNIT_TESTING,
                                    states.UNIT_TESTING_PASSED)
        self.assertEqual(states.BUILDING, self.status(wf))
        self.conductor.builder.build.assert_called_once_with(self.context,
                                                             wf.uuid)
        self.conductor.report_state(self.context, wf.uuid, states.BUILDING,
                                    states.BUILT, result={'image': 'img'})
        self.assertEqual(states.DEPLOYING, self.status(wf))
        self.conductor.deployer.deploy.assert_called_once_with(self.context,
                                                               wf.uuid)
        self.assertEqual('img', db_api.get_workflow_by_uuid(
            None, wf.uuid).result['image'])
        self.conductor.report_state(
            self.context, wf.uuid, states.DEPLOYING, states.STARTING_APP)
        self.conductor.report_state(
            self.context, wf.uuid, states.STARTING_APP,
            states.DEPLOYMENT_COMPLETE,
            result={'app_url': 'http://app.p1.apps.localhost:8088/'})
        self.assertEqual(states.DEPLOYMENT_COMPLETE, self.status(wf))
        app = db_api.get_app(None, self.app.uuid)
        self.assertEqual(states.DEPLOYMENT_COMPLETE, app.status)
        self.assertEqual('http://app.p1.apps.localhost:8088/', app.app_url)
        history = [(t.from_status, t.to_status)
                   for t in db_api.list_transitions(None, wf.id)]
        self.assertEqual(8, len(history))

    def test_outcomes_choose_the_next_states(self):
        wf = self.workflow()
        self.conductor.start_workflow(self.context, wf.uuid)
        self.conductor.report_outcome(self.context, wf.uuid, states.UNITTEST,
                                      states.TESTS_PASSED)
        self.assertEqual(states.BUILDING, self.status(wf))
        self.conductor.report_outcome(self.context, wf.uuid, states.BUILD,
                                      states.IMAGE_BUILT,
                                      result={'image': 'img'})
        self.assertEqual(states.DEPLOYING, self.status(wf))
        self.conductor.deployer.deploy.assert_called_once_with(self.context,
                                                               wf.uuid)
        # "serving" overtook "starting": it moves through STARTING_APP,
        # and the late "starting" moves nothing.
        self.conductor.report_outcome(
            self.context, wf.uuid, states.DEPLOY, states.SERVING,
            result={'app_url': 'http://app.p1.apps.localhost:8088/'})
        self.conductor.report_outcome(self.context, wf.uuid, states.DEPLOY,
                                      states.STARTING)
        self.assertEqual(states.DEPLOYMENT_COMPLETE, self.status(wf))
        self.assertEqual('http://app.p1.apps.localhost:8088/',
                         db_api.get_app(None, self.app.uuid).app_url)
        self.assertEqual(
            [(None, 'QUEUED'), ('QUEUED', 'UNIT_TESTING'),
             ('UNIT_TESTING', 'UNIT_TESTING_PASSED'),
             ('UNIT_TESTING_PASSED', 'BUILDING'), ('BUILDING', 'BUILT'),
             ('BUILT', 'DEPLOYING'), ('DEPLOYING', 'STARTING_APP'),
             ('STARTING_APP', 'DEPLOYMENT_COMPLETE')],
            [(t.from_status, t.to_status)
             for t in db_api.list_transitions(None, wf.id)])

    def test_a_finished_deploy_already_shows_its_app_url(self):
        # Whoever sees the workflow finished (an API client polling it)
        # sees where the app serves: no moment in between shows the
        # workflow DEPLOYMENT_COMPLETE and the app without its URL.
        wf = self.workflow(actions=['deploy'])
        self.conductor.start_workflow(self.context, wf.uuid)
        seen = []
        transition = db_api.transition_workflow

        def transition_and_look(*args, **kwargs):
            moved = transition(*args, **kwargs)
            if moved and args[3] == states.DEPLOYMENT_COMPLETE:
                seen.append(db_api.get_app(None, self.app.uuid).app_url)
            return moved

        url = 'http://app.p1.apps.localhost:8088/'
        with mock.patch.object(db_api, 'transition_workflow',
                               side_effect=transition_and_look):
            self.conductor.report_outcome(
                self.context, wf.uuid, states.DEPLOY, states.SERVING,
                result={'app_url': url})
        self.assertEqual([url], seen)

    def test_a_failure_outcome_ends_the_stage_with_its_reason(self):
        wf = self.workflow(actions=['deploy'])
        self.conductor.start_workflow(self.context, wf.uuid)
        self.conductor.report_outcome(self.context, wf.uuid, states.DEPLOY,
                                      states.STARTING)
        self.conductor.report_outcome(self.context, wf.uuid, states.DEPLOY,
                                      states.STACK_FAILED, reason='quota')
        row = db_api.get_workflow_by_uuid(None, wf.uuid)
        self.assertEqual((states.ERROR_STACK_CREATE_FAILED, 'quota'),
                         (row.status, row.reason))

    def test_an_outcome_the_stage_cannot_have_changes_nothing(self):
        wf = self.workflow(actions=['build'])
        self.conductor.start_workflow(self.context, wf.uuid)
        for action, outcome in ((states.BUILD, states.SERVING),
                                (states.BUILD, states.TESTS_FAILED),
                                (states.UNITTEST, states.TESTS_PASSED),
                                ('paint', states.FAILED)):
            self.conductor.report_outcome(self.context, wf.uuid, action,
                                          outcome)
            self.assertEqual(states.BUILDING, self.status(wf), outcome)

    def test_an_outcome_for_a_deleted_workflow_is_dropped(self):
        self.conductor.report_outcome(
            self.context, '00000000-0000-0000-0000-000000000000',
            states.BUILD, states.IMAGE_BUILT)

    def test_illegal_report_is_refused_and_changes_nothing(self):
        wf = self.workflow(actions=['build'])
        self.conductor.start_workflow(self.context, wf.uuid)
        self.conductor.report_state(self.context, wf.uuid, states.BUILDING,
                                    states.DEPLOYMENT_COMPLETE)
        self.assertEqual(states.BUILDING, self.status(wf))
        # A stale report (the workflow is no longer where the worker
        # thinks) changes nothing either.
        self.conductor.report_state(self.context, wf.uuid,
                                    states.UNIT_TESTING,
                                    states.UNIT_TESTING_PASSED)
        self.assertEqual(states.BUILDING, self.status(wf))

    def test_failure_reason_is_recorded(self):
        wf = self.workflow(actions=['build'])
        self.conductor.start_workflow(self.context, wf.uuid)
        self.conductor.report_state(self.context, wf.uuid, states.BUILDING,
                                    states.ERROR, reason='boom')
        row = db_api.get_workflow_by_uuid(None, wf.uuid)
        self.assertEqual((states.ERROR, 'boom'), (row.status, row.reason))
        self.assertEqual('boom',
                         db_api.list_transitions(None, wf.id)[-1].reason)
        self.conductor.deployer.deploy.assert_not_called()

    def test_recovery_resumes_queued_and_redispatches_active(self):
        queued = self.workflow()
        active = self.workflow(actions=['build'])
        self.conductor.start_workflow(self.context, active.uuid)
        self.conductor.builder.reset_mock()
        self.conductor.recover()
        self.assertEqual(states.UNIT_TESTING, self.status(queued))
        self.conductor.builder.build.assert_called_once_with(mock.ANY,
                                                             active.uuid)
        self.assertEqual(2, db_api.get_workflow_by_uuid(
            None, active.uuid).result['attempts'])

    def test_recovery_gives_up_after_max_attempts(self):
        wf = self.workflow(actions=['build'])
        self.conductor.start_workflow(self.context, wf.uuid)
        for _ in range(manager.MAX_STAGE_ATTEMPTS):
            self.conductor.recover()
        row = db_api.get_workflow_by_uuid(None, wf.uuid)
        self.assertEqual(states.ERROR, row.status)
        self.assertIn('conductor restart', row.reason)

    def test_stuck_workflow_times_out(self):
        self.conf.config(stage_timeout=60, group='conductor')
        wf = self.workflow(actions=['build'])
        self.conductor.start_workflow(self.context, wf.uuid)
        self.conductor.fail_stuck_workflows()
        self.assertEqual(states.BUILDING, self.status(wf))
        later = timeutils.utcnow() + datetime.timedelta(seconds=61)
        with mock.patch.object(timeutils, 'utcnow', return_value=later):
            self.conductor.fail_stuck_workflows()
        row = db_api.get_workflow_by_uuid(None, wf.uuid)
        self.assertEqual(states.ERROR, row.status)
        self.assertEqual('BUILDING timed out after 60 s', row.reason)

    def test_stale_queued_workflow_is_started(self):
        wf = self.workflow(actions=['build'])
        self.conductor.fail_stuck_workflows()
        self.assertEqual(states.QUEUED, self.status(wf))
        later = timeutils.utcnow() + datetime.timedelta(seconds=61)
        with mock.patch.object(timeutils, 'utcnow', return_value=later):
            self.conductor.fail_stuck_workflows()
        self.assertEqual(states.BUILDING, self.status(wf))
        self.conductor.builder.build.assert_called_once_with(mock.ANY,
                                                             wf.uuid)

    def test_delete_app_removes_everything(self):
        wf = self.workflow(actions=['build'])
        db_api.append_log_lines(None, wf.uuid, 'p1', 'build', ['a line'])
        self.conductor.delete_app(self.context, self.app.uuid)
        self.conductor.deployer.undeploy.assert_called_once_with(
            self.context, self.app.uuid)
        self.conductor.builder.delete_app_images.assert_called_once_with(
            self.context, self.app.uuid)
        self.assertRaises(Exception, db_api.get_app, None, self.app.uuid)
        self.assertEqual([], db_api.get_log_lines(None, wf.uuid))
        self.assertEqual([], db_api.list_workflows_in(None, [states.QUEUED]))

    def test_failed_undeploy_leaves_the_app_marked(self):
        self.conductor.deployer.undeploy.side_effect = RuntimeError('x')
        self.conductor.delete_app(self.context, self.app.uuid)
        self.assertEqual(states.ERROR_STACK_DELETE_FAILED,
                         db_api.get_app(None, self.app.uuid).status)


class TestBetweenStages(ConductorTestBase):
    """report_state makes two moves (BUILDING -> BUILT, then BUILT ->
    DEPLOYING); a conductor that died between them left the workflow in
    BUILT (or UNIT_TESTING_PASSED) with a stage still to run."""

    def resting(self, status, actions=('unittest', 'build', 'deploy')):
        return db_api.create_workflow(self.context, self.app, {
            'actions': list(actions), 'result': {'image': 'img'}}, status)

    def test_recovery_moves_on_to_the_next_stage(self):
        built = self.resting(states.BUILT)
        passed = self.resting(states.UNIT_TESTING_PASSED)
        done = self.resting(states.BUILT, actions=['build'])
        self.conductor.recover()
        self.assertEqual(states.DEPLOYING, self.status(built))
        self.conductor.deployer.deploy.assert_called_once_with(mock.ANY,
                                                               built.uuid)
        self.assertEqual(states.BUILDING, self.status(passed))
        self.conductor.builder.build.assert_called_once_with(mock.ANY,
                                                             passed.uuid)
        # A workflow whose actions end there is finished: left alone.
        self.assertEqual(states.BUILT, self.status(done))
        lines = [x.message for x in db_api.get_log_lines(None, built.uuid)]
        self.assertIn('conductor restarted: moving on from BUILT to '
                      'DEPLOYING', lines)

    def test_periodic_check_moves_on_after_queued_timeout(self):
        self.conf.config(queued_timeout=60, group='conductor')
        wf = self.resting(states.BUILT)
        self.conductor.fail_stuck_workflows()
        self.assertEqual(states.BUILT, self.status(wf))
        later = timeutils.utcnow() + datetime.timedelta(seconds=61)
        with mock.patch.object(timeutils, 'utcnow', return_value=later):
            self.conductor.fail_stuck_workflows()
        self.assertEqual(states.DEPLOYING, self.status(wf))
        self.conductor.deployer.deploy.assert_called_once_with(mock.ANY,
                                                               wf.uuid)
        self.assertIn('BUILT for more than 60 s: moving on from BUILT to '
                      'DEPLOYING', [x.message for x in
                                    db_api.get_log_lines(None, wf.uuid)])

    def test_nothing_moves_on_for_an_app_being_deleted(self):
        wf = self.resting(states.BUILT)
        db_api.set_app_status(None, self.app.id, states.DELETING)
        # Its deletion (resumed too) fails: the workflow stays to be seen.
        self.conductor.deployer.undeploy.side_effect = RuntimeError('x')
        self.conductor.recover()
        row = db_api.get_workflow_by_uuid(None, wf.uuid)
        self.assertEqual((states.ERROR, 'the app is being deleted'),
                         (row.status, row.reason))
        self.conductor.deployer.deploy.assert_not_called()

    def test_report_for_an_app_being_deleted_ends_the_workflow(self):
        wf = self.workflow(actions=['build', 'deploy'])
        self.conductor.start_workflow(self.context, wf.uuid)
        db_api.set_app_status(None, self.app.id, states.DELETING)
        self.conductor.report_state(self.context, wf.uuid, states.BUILDING,
                                    states.BUILT, result={'image': 'img'})
        self.assertEqual(states.ERROR, self.status(wf))
        self.conductor.deployer.deploy.assert_not_called()

    def test_delete_app_fails_a_workflow_between_stages(self):
        wf = self.resting(states.UNIT_TESTING_PASSED)
        self.conductor.deployer.undeploy.side_effect = RuntimeError('x')
        self.conductor.delete_app(self.context, self.app.uuid)
        history = [(t.from_status, t.to_status, t.reason)
                   for t in db_api.list_transitions(None, wf.id)]
        self.assertIn((states.UNIT_TESTING_PASSED, states.ERROR,
                       'the app is being deleted'), history)
