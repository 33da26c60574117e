import json

from solum.common import states
from solum.tests.unit.api import base


class TestWorkflows(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.app_id = self.create_app().json['id']
        self.path = '/v1/apps/%s/workflows' % self.app_id

    def start(self, actions=('unittest', 'build', 'deploy'), status=201,
              **body):
        body['actions'] = list(actions)
        return self.post_json(self.path, body, status=status).json

    def test_workflows_are_numbered_per_app(self):
        first = self.start()
        second = self.start()
        self.assertEqual((1, 2), (first['wf_id'], second['wf_id']))
        self.assertEqual(states.QUEUED, first['status'])
        self.assertEqual(self.app_id, first['app_id'])
        other = self.create_app(name='other').json['id']
        third = self.post_json('/v1/apps/%s/workflows' % other,
                               {'actions': ['build']}).json
        self.assertEqual(1, third['wf_id'])

    def test_failed_stage_fails_with_reason_and_history(self):
        wf = self.start()
        self.wait_for_workflow(wf['id'])
        shown = self.get('%s/%d' % (self.path, wf['wf_id'])).json
        self.assertEqual(states.ERROR, shown['status'])
        self.assertIn('the https transport is not allowed', shown['reason'])
        self.assertEqual(
            [(None, 'QUEUED'), ('QUEUED', 'UNIT_TESTING'),
             # No test_cmd: the unit-test stage passes trivially.
             ('UNIT_TESTING', 'UNIT_TESTING_PASSED'),
             ('UNIT_TESTING_PASSED', 'BUILDING'), ('BUILDING', 'ERROR')],
            [(t['from'], t['to']) for t in shown['transitions']])
        self.assertIn('transport is not allowed',
                      shown['transitions'][-1]['reason'])
        app = self.get('/v1/apps/%s' % self.app_id).json
        self.assertEqual(states.ERROR, app['status'])

    def test_show_by_uuid_and_list(self):
        wf = self.start(actions=['build'])
        self.assertEqual(wf['id'],
                         self.get('%s/%s' % (self.path, wf['id'])).json['id'])
        self.assertEqual([wf['id']],
                         [w['id'] for w in self.get(self.path).json])
        self.get('%s/99' % self.path, status=404)
        self.get('%s/abc' % self.path, status=404)

    def test_actions_are_validated(self):
        resp = self.start(actions=['build', 'fly'], status=400)
        self.assertIn('fly', resp['faultstring'])
        self.start(actions=[], status=400)
        resp = self.start(actions=['deploy'], status=400)
        self.assertIn('du_id', resp['faultstring'])
        self.start(actions=['build'], status=400, extra=1)

    def test_scale_target_quota(self):
        self.conf.config(instances_per_app=3, group='quota')
        self.start(actions=['build'], scale_target=3)
        resp = self.start(actions=['build'], scale_target=4, status=403)
        self.assertIn('instances_per_app limit of 3', resp['faultstring'])

    def test_reader_cannot_start_but_can_read(self):
        wf = self.start(actions=['build'])
        self.post_json(self.path, {'actions': ['build']}, roles='reader',
                       status=403)
        self.get('%s/%d' % (self.path, wf['wf_id']), roles='reader')
        self.get('%s/%d/logs' % (self.path, wf['wf_id']), roles='reader')

    def test_other_project_gets_404(self):
        self.post_json(self.path, {'actions': ['build']},
                       project=base.PROJECT_B, status=404)
        self.get(self.path, project=base.PROJECT_B, status=404)

    def test_logs_as_json_and_text(self):
        wf = self.start(actions=['build'])
        self.wait_for_workflow(wf['id'])
        logs_path = '%s/%d/logs' % (self.path, wf['wf_id'])
        lines = self.get(logs_path).json
        self.assertEqual(['conductor', 'build', 'conductor'],
                         [x['stage'] for x in lines])
        self.assertIn('QUEUED -> BUILDING', lines[0]['message'])
        text = self.app.get(logs_path, headers=self.headers(
            Accept='text/plain')).text
        self.assertIn('[build] ERROR: repository URL', text)
        later = self.get('%s?since=%d' % (logs_path, lines[0]['id'])).json
        self.assertEqual(lines[1:], later)

    def test_followed_log_ends_when_the_workflow_does(self):
        self.conf.config(log_follow_interval=0.05, group='api')
        wf = self.start(actions=['build'])
        resp = self.app.get('%s/%d/logs?follow=true' % (self.path,
                                                         wf['wf_id']),
                            headers=self.headers())
        self.assertEqual('text/plain', resp.content_type)
        self.assertIn('BUILDING -> ERROR', resp.text)

    def test_invalid_json(self):
        resp = self.app.post(self.path, 'nope', headers=self.headers(
            **{'Content-Type': 'application/json'}), status=400)
        self.assertIn('invalid JSON', json.loads(resp.text)['faultstring'])

    def test_du_id_is_no_option_and_has_no_spaces(self):
        for du_id in ('-oProxyCommand=x', '--rm', 'img name', 'img\tx',
                      'img\x07', 'img\n'):
            resp = self.start(actions=['deploy'], du_id=du_id, status=400)
            self.assertIn('du_id', resp['faultstring'])
            self.assertIn('"-"', resp['faultstring'])
        self.assertEqual([], self.get(self.path).json)

    def test_head_is_get_without_a_body(self):
        wf = self.start(actions=['build'])
        path = '%s/%d' % (self.path, wf['wf_id'])
        # Once it has ended, the workflow shows the same on every GET.
        self.wait_for_workflow(wf['id'])
        got = self.get(path)
        head = self.app.head(path, headers=self.headers(), status=200)
        self.assertEqual(got.body, self.get(path).body)
        self.assertEqual(b'', head.body)
        self.assertEqual(got.headers['Content-Type'],
                         head.headers['Content-Type'])
        self.assertEqual(got.headers['Content-Length'],
                         head.headers['Content-Length'])
        self.app.head(self.path + '/99', headers=self.headers(), status=404)
        # A followed log answers HEAD too, with no body.
        head = self.app.head(path + '/logs?follow=true',
                             headers=self.headers(), status=200)
        self.assertEqual(b'', head.body)
