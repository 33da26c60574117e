import time

import fixtures

from solum.common import images
from solum.common import states
from solum.db import api as db_api
from solum.deployer import driver
from solum.deployer import fake
from solum.tests.unit.api import base

IMAGE = 'localhost/solum/%s/hello:%d'


class TestReleases(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.app_doc = self.create_app(body={
            'ports': [5000], 'workflow_config': {'run_cmd': 'python app.py'},
            'parameters': {'user_params': {'GREETING': 'hi'}}}).json
        self.path = '/v1/apps/%s' % self.app_doc['id']

    def deploy(self, number=1, status=states.DEPLOYMENT_COMPLETE, **body):
        body.setdefault('du_id', IMAGE % (base.PROJECT_A, number))
        wf = self.post_json(self.path + '/workflows',
                            dict(body, actions=['deploy'])).json
        done = self.wait_for_workflow(wf['id'])
        self.assertEqual(status, done.status, done.reason)
        return done

    def releases(self):
        return self.get(self.path + '/releases').json

    def test_deploy_records_a_release_and_the_url(self):
        wf = self.deploy()
        self.assertEqual(1, wf.result['release'])
        release, = self.releases()
        self.assertEqual((1, 'ACTIVE', IMAGE % (base.PROJECT_A, 1), 1),
                         (release['number'], release['status'],
                          release['image'], release['replicas']))
        self.assertEqual({'ports': [5000], 'port': 5000,
                          'env': {'GREETING': 'hi'},
                          'run_cmd': 'python app.py', 'health': {}},
                         release['config'])
        app = self.get(self.path).json
        self.assertEqual('http://hello.%s.apps.test:8088/' % base.PROJECT_A,
                         app['app_url'])
        self.assertEqual(states.DEPLOYMENT_COMPLETE, app['status'])
        transitions = [(t['from'], t['to']) for t in self.get(
            '%s/workflows/%d' % (self.path, wf.wf_id)).json['transitions']]
        self.assertEqual([(None, 'QUEUED'), ('QUEUED', 'DEPLOYING'),
                          ('DEPLOYING', 'STARTING_APP'),
                          ('STARTING_APP', 'DEPLOYMENT_COMPLETE')],
                         transitions)

    def test_redeploy_supersedes_and_keeps_replicas(self):
        self.deploy(1, scale_target=3)
        self.deploy(2)
        first, second = self.releases()
        self.assertEqual(('SUPERSEDED', 'ACTIVE'),
                         (first['status'], second['status']))
        self.assertEqual(3, second['replicas'])
        self.assertEqual(('deploy', self.app_doc['id'], 2, 3),
                         fake.FakeDriver.calls[-1])

    def test_failed_deploy_keeps_the_old_release(self):
        self.deploy(1)
        fake.FakeDriver.fail_next.append(driver.DeployError(
            'replica x stopped (exited) before answering /',
            ['Traceback', 'boom: broken']))
        wf = self.deploy(2, status=states.ERROR_CODE_DEPLOYMENT)
        self.assertIn('release 2 failed', wf.reason)
        self.assertIn('boom: broken', wf.reason)
        first, second = self.releases()
        self.assertEqual(('ACTIVE', 'FAILED'),
                         (first['status'], second['status']))
        log = self.get('%s/workflows/%d/logs' % (self.path, wf.wf_id)).json
        self.assertIn('replica: boom: broken',
                      [x['message'] for x in log])

    def test_stack_create_failed_is_its_own_state(self):
        fake.FakeDriver.fail_next.append(driver.StackCreateFailed(
            'CREATE_FAILED: Resource CREATE failed: flavor not found'))
        wf = self.deploy(1, status=states.ERROR_STACK_CREATE_FAILED)
        self.assertIn('CREATE_FAILED: Resource CREATE failed: flavor not '
                      'found', wf.reason)
        release, = self.releases()
        self.assertEqual('FAILED', release['status'])

    def test_stack_timeout_is_a_stack_create_failure(self):
        fake.FakeDriver.fail_next.append(driver.StackTimeout(
            'stack s still CREATE_IN_PROGRESS after the deadline'))
        wf = self.deploy(1, status=states.ERROR_STACK_CREATE_FAILED)
        self.assertIn('after the deadline', wf.reason)

    def test_rollback_to_previous_and_to_a_number(self):
        self.deploy(1)
        self.deploy(2)
        wf = self.post_json(self.path + '/rollback', {}).json
        done = self.wait_for_workflow(wf['id'])
        self.assertEqual(states.DEPLOYMENT_COMPLETE, done.status)
        third = self.releases()[-1]
        self.assertEqual((3, 1, IMAGE % (base.PROJECT_A, 1), 'ACTIVE'),
                         (third['number'], third['rollback_of'],
                          third['image'], third['status']))
        # Explicit number; the active one and unknown ones are refused.
        wf = self.post_json(self.path + '/rollback', {'release': 2}).json
        self.wait_for_workflow(wf['id'])
        self.assertEqual(2, self.releases()[-1]['rollback_of'])
        resp = self.post_json(self.path + '/rollback', {'release': 4},
                              status=409).json
        self.assertIn('active release', resp['faultstring'])
        self.post_json(self.path + '/rollback', {'release': 40}, status=404)
        self.post_json(self.path + '/rollback', {'release': 'x'},
                       status=400)

    def test_rollback_needs_an_earlier_release(self):
        self.post_json(self.path + '/rollback', {}, status=409)
        self.deploy(1)
        resp = self.post_json(self.path + '/rollback', {}, status=409).json
        self.assertIn('no earlier release', resp['faultstring'])

    def test_scale_within_quota(self):
        resp = self.post_json(self.path + '/scale', {'replicas': 2},
                              status=409).json
        self.assertIn('deploy it first', resp['faultstring'])
        self.deploy(1)
        self.conf.config(instances_per_app=4, group='quota')
        resp = self.post_json(self.path + '/scale', {'replicas': 5},
                              status=403).json
        self.assertIn('instances_per_app limit of 4', resp['faultstring'])
        self.post_json(self.path + '/scale', {'replicas': 0}, status=400)
        self.post_json(self.path + '/scale', {'replicas': 4}, status=202)
        deadline = time.monotonic() + 5
        while ('scale', self.app_doc['id'], 4) not in fake.FakeDriver.calls:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.02)
        self.assertEqual(4, self.releases()[0]['replicas'])

    def test_replicas(self):
        self.assertEqual([], self.get(self.path + '/replicas').json)
        self.deploy(1, scale_target=2)
        replicas = self.get(self.path + '/replicas', roles='reader').json
        self.assertEqual(['fake-0', 'fake-1'], [r['name'] for r in replicas])
        self.get(self.path + '/replicas', project=base.PROJECT_B,
                 status=404)

    def test_reader_may_read_but_not_change(self):
        self.deploy(1)
        self.get(self.path + '/releases', roles='reader')
        self.get(self.path + '/logs', roles='reader')
        self.post_json(self.path + '/scale', {'replicas': 2}, status=403,
                       roles='reader')
        self.post_json(self.path + '/rollback', {}, status=403,
                       roles='reader')
        self.get(self.path + '/releases', project=base.PROJECT_B,
                 status=404)

    def test_logs_as_json_text_and_followed(self):
        self.deploy(1)
        lines = self.get(self.path + '/logs').json
        self.assertEqual(['line 0', 'line 1', 'line 2'],
                         [x['line'] for x in lines])
        text = self.app.get(self.path + '/logs?tail=1', headers=dict(
            self.headers(), Accept='text/plain')).text
        self.assertEqual('2026-01-01T00:00:02Z fake-1 line 2\n', text)
        self.conf.config(log_follow_timeout=1, group='api')
        followed = self.app.get(self.path + '/logs?follow=true',
                                headers=self.headers()).text
        self.assertEqual(3, followed.count('fake-1 line'))
        self.get(self.path + '/logs?tail=x', status=400)

    def test_delete_undeploys_with_the_apps_images(self):
        own = IMAGE % (base.PROJECT_A, 1)
        labelled = {images.LABEL_APP: self.app_doc['id']}
        self.useFixture(fixtures.MockPatch(
            'solum.common.images.refs_with_labels',
            side_effect=lambda wanted: [own] if wanted == labelled else []))
        removed = self.useFixture(fixtures.MockPatch(
            'solum.common.images.remove', side_effect=lambda refs: refs)).mock
        self.deploy(1)
        self.deploy(2, du_id='localhost/solum/base-python:bookworm')
        self.delete(self.path)
        deadline = time.monotonic() + 5
        while True:
            undeploys = [c for c in fake.FakeDriver.calls
                         if c[0] == 'undeploy']
            if undeploys:
                break
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.02)
        self.assertEqual([('undeploy', self.app_doc['id'])], undeploys)
        deadline = time.monotonic() + 5
        while db_api.list_apps(None, all_projects=True):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.02)
        # Once, by the builder, found by the app's label: the shared base
        # image a release ran is never removed with an app.
        removed.assert_called_once_with([own])
        self.assertEqual([], db_api.list_active_releases(None))


class TestHealthSettings(base.APITestCase):

    def test_health_path_and_timeout_go_into_the_release(self):
        app = self.create_app(body={'parameters': {
            'health': {'path': '/healthz', 'timeout': 30}}}).json
        wf = self.post_json('/v1/apps/%s/workflows' % app['id'],
                            {'actions': ['deploy'], 'du_id': 'img'}).json
        self.wait_for_workflow(wf['id'])
        release, = self.get('/v1/apps/%s/releases' % app['id']).json
        self.assertEqual({'path': '/healthz', 'timeout': 30},
                         release['config']['health'])

    def test_health_settings_are_validated(self):
        for health in ({'path': 'healthz'}, {'path': '/a b'},
                       {'timeout': 0}, {'interval': 1}):
            self.create_app(name='x', status=400, body={
                'parameters': {'health': health}})

    def test_autoscale_policy_is_validated(self):
        self.create_app(name='ok', body={'parameters': {'autoscale': {
            'min': 1, 'max': 3, 'target_rps': 20, 'cooldown': 30}}})
        for policy in ({'min': 1, 'max': 3},
                       {'min': 0, 'max': 3, 'target_cpu': 50},
                       {'min': 1, 'max': 3, 'target_cpu': 150},
                       {'min': 1, 'max': 3, 'target_rps': 0},
                       {'min': 1, 'max': 3, 'target_rps': 5, 'x': 1}):
            self.create_app(name='x', status=400, body={
                'parameters': {'autoscale': policy}})
