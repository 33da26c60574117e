"""A conductor killed mid-workflow and restarted picks the workflow up.

The API, conductor, builder and deployer are real processes on a real
database and RabbitMQ; what is under test is the conductor's state
machine, so the deployer runs its ``fake`` driver (no containers): the
local driver's own deploys are test_local_deployer's.
"""

import json
import sqlite3

import requests

from solum.tests.functional import base


class TestConductorRecovery(base.FunctionalTestCase):

    def extra_config(self):
        # The builder refuses https sources at once: no network needed.
        return '[builder]\ngit_allowed_protocols = file\n'

    def setUp(self):
        super().setUp()
        self.db_upgrade()

    def api(self, method, path, **kw):
        return requests.request(method, self.base_url + path, timeout=30,
                                **kw)

    def test_killed_conductor_resumes_the_workflow(self):
        # Start the builder once so its queue exists, then stop it: the
        # workflow will wait in BUILDING for a builder that is not there.
        builder = self.start_service('solum-builder')
        self.wait_until(lambda: 'serving topic' in builder.log_tail(),
                        what='the builder to listen')
        builder.stop()
        conductor = self.start_service('solum-conductor')
        self.start_service('solum-api')

        app = self.api('POST', '/v1/apps', json={
            'version': 1, 'name': 'recover', 'languagepack': 'python',
            'source': {'repository': 'file:///nonexistent/solum-test/r.git'}}).json()
        path = '/v1/apps/%s/workflows' % app['id']
        self.assertEqual(201, self.api('POST', path, json={
            'actions': ['build']}).status_code)
        self.wait_until(
            lambda: self.api('GET', path + '/1').json()['status'] ==
            'BUILDING', what='the workflow to reach BUILDING')

        conductor.kill()
        self.start_service('solum-conductor')
        self.wait_until(
            lambda: 'resuming BUILDING (attempt 2)' in self.api(
                'GET', path + '/1/logs', headers={
                    'Accept': 'text/plain'}).text,
            what='the restarted conductor to resume the workflow')

        # With a builder back, the workflow runs to its end, exactly once.
        self.start_service('solum-builder')
        wf = self.wait_until(
            lambda: (lambda w: w if w['status'] == 'ERROR' else None)(
                self.api('GET', path + '/1').json()),
            what='the workflow to finish')
        self.assertIn('nonexistent', wf['reason'])
        self.assertEqual(['QUEUED', 'BUILDING', 'ERROR'],
                         [t['to'] for t in wf['transitions']])
        self.assertEqual(2, wf['result']['attempts'])

    def test_workflow_queued_while_conductor_down_is_started(self):
        conductor = self.start_service('solum-conductor')
        self.wait_until(lambda: 'serving topic' in conductor.log_tail(),
                        what='the conductor to listen')
        conductor.kill()
        self.start_service('solum-builder')
        self.start_service('solum-api')
        app = self.api('POST', '/v1/apps', json={
            'version': 1, 'name': 'queued', 'languagepack': 'python',
            'source': {'repository': 'file:///nonexistent/solum-test/q.git'}}).json()
        path = '/v1/apps/%s/workflows' % app['id']
        self.api('POST', path, json={'actions': ['build']})
        self.assertEqual('QUEUED', self.api('GET', path + '/1').json()[
            'status'])
        self.start_service('solum-conductor')
        wf = self.wait_until(
            lambda: (lambda w: w if w['status'] == 'ERROR' else None)(
                self.api('GET', path + '/1').json()),
            what='the queued workflow to run')
        self.assertEqual(['QUEUED', 'BUILDING', 'ERROR'],
                         [t['to'] for t in wf['transitions']])

    def test_workflow_left_between_stages_moves_on(self):
        # report_state moves BUILDING -> BUILT, then BUILT -> DEPLOYING: a
        # conductor dying between the two left the workflow in BUILT with
        # its deploy never started.
        conductor = self.start_service('solum-conductor')
        self.wait_until(lambda: 'serving topic' in conductor.log_tail(),
                        what='the conductor to listen')
        conductor.kill()
        self.start_service('solum-deployer')   # the fake driver
        self.start_service('solum-api')
        app = self.api('POST', '/v1/apps', json={
            'version': 1, 'name': 'between', 'languagepack': 'python',
            'source': {'repository': 'file:///nonexistent/b.git'}}).json()
        path = '/v1/apps/%s/workflows' % app['id']
        wf = self.api('POST', path, json={'actions': ['build',
                                                      'deploy']}).json()
        with sqlite3.connect(self.db.url.split('sqlite:///', 1)[1]) as db:
            db.execute("UPDATE workflows SET status = 'BUILT', result = ? "
                       "WHERE uuid = ?", (json.dumps({'image': 'img'}),
                                          wf['id']))
        self.start_service('solum-conductor')
        shown = self.wait_until(
            lambda: (lambda w: w if w['status'] not in (
                'BUILT', 'DEPLOYING', 'STARTING_APP') else None)(
                self.api('GET', path + '/1').json()),
            what='the workflow to be deployed')
        self.assertEqual('DEPLOYMENT_COMPLETE', shown['status'],
                         shown['reason'])
        self.assertEqual(['QUEUED', 'DEPLOYING', 'STARTING_APP',
                          'DEPLOYMENT_COMPLETE'],
                         [t['to'] for t in shown['transitions']])
        self.assertIn('conductor restarted: moving on from BUILT to '
                      'DEPLOYING', self.api('GET', path + '/1/logs', headers={
                          'Accept': 'text/plain'}).text)
