"""The OpenStackClient commands' --wait and error messages, against
scripted API answers (the real API is in test_osc_commands)."""

import io

import fixtures
import testtools
from osc_lib import exceptions as osc_exc

from solumclient import exceptions
from solumclient.osc.v1 import common

ERROR_ENDS = ('ERROR_STACK_DELETE_FAILED', 'ERROR_STACK_CREATE_FAILED',
              'ERROR_CODE_DEPLOYMENT', 'UNIT_TESTING_FAILED', 'ERROR',
              'DELETING')
ALL = ('unittest', 'build', 'deploy')


class Scripted:
    """Answers each call with the next item of its script (the last one
    again when the script is used up); an exception is raised."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls = []

    def __call__(self, *args, **kwargs):
        self.calls.append(args)
        answer = self.answers[min(len(self.calls), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer


class FakeSolum:
    def __init__(self):
        self.workflows = Fake(follow_logs=Scripted(['[conductor] a -> b']))
        self.apps = Fake()
        self.language_packs = Fake(follow_logs=Scripted(['[lp] built']))


class Fake:
    def __init__(self, **methods):
        self.__dict__.update(methods)


class WaitTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MockPatchObject(common, 'POLL_INTERVAL',
                                                 0.001))
        self.solum = FakeSolum()
        self.stream = io.StringIO()


class TestWaitForWorkflow(WaitTestCase):

    def end(self, actions, status, reason=None):
        wf = {'wf_id': 3, 'actions': list(actions), 'status': status,
              'reason': reason}
        self.solum.workflows.get = Scripted(wf)
        return common.wait_for_workflow(self.solum, 'web', {'wf_id': 3},
                                        stream=self.stream)

    def test_the_success_state_of_the_actions(self):
        for actions, status in ((ALL, 'DEPLOYMENT_COMPLETE'),
                                (('deploy',), 'DEPLOYMENT_COMPLETE'),
                                (('build', 'deploy'), 'DEPLOYMENT_COMPLETE'),
                                (('unittest', 'build'), 'BUILT'),
                                (('build',), 'BUILT'),
                                (('unittest',), 'UNIT_TESTING_PASSED')):
            self.assertEqual(status, self.end(actions, status)['status'])
            # The answer is what the API was asked for, once the log ended.
            self.assertEqual([('web', 3)], self.solum.workflows.get.calls)
        self.assertEqual('[conductor] a -> b\n' * 6, self.stream.getvalue())
        self.assertEqual([('web', 3)] * 6,
                         self.solum.workflows.follow_logs.calls)

    def test_every_other_end_fails_with_the_reason_on_one_line(self):
        for status in ERROR_ENDS:
            e = self.assertRaises(osc_exc.CommandError, self.end, ALL,
                                  status, 'Heat said:\n  no  flavor\n')
            self.assertEqual('Workflow 3 of web ended %s: Heat said: no '
                             'flavor' % status, str(e))
        e = self.assertRaises(osc_exc.CommandError, self.end, ALL, 'ERROR')
        self.assertEqual('Workflow 3 of web ended ERROR: no reason given',
                         str(e))

    def test_stopping_short_of_the_actions_fails(self):
        # unittest + deploy of an earlier build stops after the tests
        # when the conductor has no build to do: not a deploy.
        e = self.assertRaises(osc_exc.CommandError, self.end,
                              ('unittest', 'deploy'), 'UNIT_TESTING_PASSED')
        self.assertIn('ended UNIT_TESTING_PASSED', str(e))

    def test_a_stream_cut_short_polls_until_the_end(self):
        self.solum.workflows.get = Scripted(
            {'wf_id': 3, 'actions': ['build'], 'status': 'BUILDING'},
            {'wf_id': 3, 'actions': ['build'], 'status': 'BUILT'})
        wf = common.wait_for_workflow(self.solum, 'web', {'wf_id': 3},
                                      stream=self.stream)
        self.assertEqual('BUILT', wf['status'])
        self.assertEqual(2, len(self.solum.workflows.get.calls))


class TestWaitForAppGone(WaitTestCase):

    APP = {'id': 'uuid-1', 'name': 'web'}

    def test_until_the_app_is_gone(self):
        self.solum.apps.get = Scripted(
            {'status': 'DELETING'}, {'status': 'DELETING'},
            exceptions.NotFound('App uuid-1 could not be found.'))
        common.wait_for_app_gone(self.solum, self.APP, stream=self.stream)
        self.assertEqual('web: DELETING\nweb: deleted\n',
                         self.stream.getvalue())
        self.assertEqual([('uuid-1',)] * 3, self.solum.apps.get.calls)

    def test_a_failed_delete_exits_non_zero(self):
        self.solum.apps.get = Scripted({'status': 'DELETING'},
                                       {'status': 'ERROR_STACK_DELETE_FAILED'})
        e = self.assertRaises(osc_exc.CommandError, common.wait_for_app_gone,
                              self.solum, self.APP, stream=self.stream)
        self.assertEqual('Deleting app web ended ERROR_STACK_DELETE_FAILED '
                         '(its stack or containers may be left; openstack '
                         'app delete web tries again).', str(e))
        self.assertIn('web: ERROR_STACK_DELETE_FAILED', self.stream.getvalue())

    def test_api_errors_are_explained(self):
        self.solum.apps.get = Scripted(exceptions.Forbidden(
            'You are not allowed to show apps (policy solum:apps:show).'))
        e = self.assertRaises(osc_exc.CommandError, common.wait_for_app_gone,
                              self.solum, self.APP, stream=self.stream)
        self.assertIn('ask a project member or admin', str(e))


def replica(state='running', **extra):
    return dict({'name': 'r', 'state': state}, **extra)


class TestWaitForReplicas(WaitTestCase):

    def wait(self, *answers, replicas=2, timeout=5):
        self.solum.apps.replicas = Scripted(*answers)
        return common.wait_for_replicas(self.solum, 'web', replicas,
                                        timeout, stream=self.stream)

    def test_until_as_many_replicas_run(self):
        rows = self.wait([replica()], [replica(), replica('created')],
                         [replica(), replica()])
        self.assertEqual(2, len(rows))
        self.assertEqual('web: 1 of 2 replica(s) running\n'
                         'web: 2 of 2 replica(s) running\n',
                         self.stream.getvalue())

    def test_scaling_down_waits_for_the_extra_ones_to_go(self):
        three = [replica()] * 3
        self.wait(three, three, [replica()] * 2)
        self.assertEqual(3, len(self.solum.apps.replicas.calls))
        self.assertEqual([], self.wait([], replicas=0))

    def test_heat_until_the_stack_update_is_done(self):
        busy = replica('ACTIVE', stack_status='UPDATE_IN_PROGRESS')
        done = replica('ACTIVE', stack_status='UPDATE_COMPLETE')
        self.wait([busy, busy], [done, done])
        self.assertEqual(2, len(self.solum.apps.replicas.calls))

    def test_a_failed_stack_exits_non_zero(self):
        failed = replica('ACTIVE', stack_status='UPDATE_FAILED')
        e = self.assertRaises(osc_exc.CommandError, self.wait, [failed])
        self.assertIn('Scaling web to 2 failed: its stack is UPDATE_FAILED',
                      str(e))

    def test_the_timeout(self):
        e = self.assertRaises(osc_exc.CommandError, self.wait, [replica()],
                              timeout=0)
        self.assertIn('web has 1 of 2 replica(s) running after 0 s',
                      str(e))


class TestWaitForLanguagePack(WaitTestCase):

    def test_ready(self):
        self.solum.language_packs.get = Scripted(
            {'name': 'java', 'status': 'BUILDING'},
            {'name': 'java', 'status': 'READY'})
        lp = common.wait_for_language_pack(self.solum, {'id': 'lp-1'},
                                           stream=self.stream)
        self.assertEqual('READY', lp['status'])
        self.assertEqual('[lp] built\n', self.stream.getvalue())
        self.assertEqual([('lp-1',)], self.solum.language_packs
                         .follow_logs.calls)

    def test_error_exits_non_zero_with_the_reason(self):
        self.solum.language_packs.get = Scripted(
            {'name': 'java', 'status': 'ERROR',
             'reason': 'git clone failed:\nno such repository'})
        e = self.assertRaises(osc_exc.CommandError,
                              common.wait_for_language_pack, self.solum,
                              {'id': 'lp-1'}, stream=self.stream)
        self.assertEqual('Language pack java ended ERROR: git clone '
                         'failed: no such repository', str(e))


class TestExplain(testtools.TestCase):

    def check(self, expected, cls, faultstring):
        self.assertEqual(expected, common.explain(cls(faultstring)))
        e = self.assertRaises(osc_exc.CommandError, common.fail,
                              cls(faultstring))
        self.assertEqual(expected, str(e))

    def test_not_found_says_where_to_look(self):
        self.check('App nope could not be found (openstack app list shows '
                   'your apps).', exceptions.NotFound,
                   'App nope could not be found.')
        self.check('Language pack j could not be found (openstack '
                   'languagepack list shows them).', exceptions.NotFound,
                   'Language pack j could not be found.')
        self.check('Workflow 9 could not be found (openstack app workflow '
                   'list <app> shows its workflows).', exceptions.NotFound,
                   'Workflow 9 could not be found.')
        self.check('Thing x could not be found (check the name or id).',
                   exceptions.NotFound, 'Thing x could not be found.')

    def test_forbidden_says_whom_to_ask(self):
        self.check('You are not allowed to delete apps (policy '
                   'solum:apps:delete); your role does not allow it: ask a '
                   'project member or admin.', exceptions.Forbidden,
                   'You are not allowed to delete apps (policy '
                   'solum:apps:delete).')
        self.check('Quota exceeded: apps_per_project limit of 2 reached for '
                   'this project (ask an admin to raise the quota, or free '
                   'some).', exceptions.Forbidden,
                   'Quota exceeded: apps_per_project limit of 2 reached for '
                   'this project.')

    def test_other_errors_are_the_faultstring(self):
        self.check('name: not a valid name', exceptions.BadRequest,
                   'name: not a valid name')
        self.check('App web already exists.', exceptions.Conflict,
                   'App web already exists.')


class TestApiErrors(testtools.TestCase):
    """common.api_errors, the try/except every command wraps its API
    calls in."""

    def run_block(self, error):
        with common.api_errors():
            raise error

    def test_an_api_error_is_the_command_error_with_the_faultstring(self):
        error = exceptions.Conflict('App web already exists.')
        e = self.assertRaises(osc_exc.CommandError, self.run_block, error)
        self.assertEqual('App web already exists.', str(e))
        self.assertIs(error, e.__cause__)

    def test_not_found_says_where_to_look(self):
        e = self.assertRaises(osc_exc.CommandError, self.run_block,
                              exceptions.NotFound('Plan p could not be '
                                                  'found.'))
        self.assertEqual('Plan p could not be found (openstack app plan '
                         'list shows them).', str(e))

    def test_success_runs_the_whole_block(self):
        done = []
        with common.api_errors():
            done.append(1)
            done.append(2)
        self.assertEqual([1, 2], done)

    def test_other_errors_pass_unchanged(self):
        for error in (osc_exc.CommandError('--param takes KEY=VALUE'),
                      KeyError('status')):
            self.assertIs(error, self.assertRaises(
                type(error), self.run_block, error))
