"""Two solum-deployer processes over the real RabbitMQ and MariaDB take
turns on one app: the per-app lock (tooz, held on the database server)
and the request order hold across processes.

Deploys and scale requests are sent in a burst through the real API; the
deployers share the topic, so RabbitMQ hands each message to one of them.
The fake driver journals every operation with its process and times
(SOLUM_FAKE_DRIVER_JOURNAL), taking a little time each
(SOLUM_FAKE_DRIVER_DELAY) so that overlaps would show.
"""

import json
import os

import fixtures
import requests

from solum.tests.functional import base

APP = {'version': 1, 'name': 'twice', 'languagepack': 'python',
       'source': {'repository': 'file:///nonexistent/solum-test/twice.git',
                  'revision': 'main'}}


class TestTwoDeployers(base.FunctionalTestCase):
    backend = 'mysql'

    def setUp(self):
        super().setUp()
        self.journal = os.path.join(self.state_path, 'journal.jsonl')
        self.useFixture(fixtures.EnvironmentVariable(
            'SOLUM_FAKE_DRIVER_JOURNAL', self.journal))
        self.useFixture(fixtures.EnvironmentVariable(
            'SOLUM_FAKE_DRIVER_DELAY', '0.3'))
        self.db_upgrade()
        for name in ('solum-conductor', 'solum-api'):
            self.start_service(name)
        for label in ('deployer-a', 'deployer-b'):
            service = self.start_service('solum-deployer', label=label)
            self.wait_until(lambda s=service: 'serving topic' in
                            s.log_tail(200), what='%s to listen' % label)

    def api(self, method, path, **kw):
        return requests.request(method, self.base_url + path, timeout=30,
                                **kw)

    def deploy(self, app_id, image):
        resp = self.api('POST', '/v1/apps/%s/workflows' % app_id,
                        json={'actions': ['deploy'], 'du_id': image})
        self.assertEqual(201, resp.status_code, resp.text)
        return resp.json()['wf_id']

    def scale(self, app_id, replicas):
        resp = self.api('POST', '/v1/apps/%s/scale' % app_id,
                        json={'replicas': replicas})
        self.assertEqual(202, resp.status_code, resp.text)

    def workflows_done(self, app_id):
        wfs = self.api('GET', '/v1/apps/%s/workflows' % app_id).json()
        return all(w['status'] == 'DEPLOYMENT_COMPLETE' for w in wfs) and wfs

    def operations(self):
        try:
            with open(self.journal) as f:
                return [json.loads(line) for line in f]
        except FileNotFoundError:
            return []

    def test_every_request_once_in_order_one_at_a_time(self):
        app_id = self.api('POST', '/v1/apps', json=APP).json()['id']
        self.deploy(app_id, 'img-1')
        self.wait_until(lambda: self.workflows_done(app_id),
                        what='the first deploy')

        # The burst: deploys and scale requests interleaved.
        requests_sent = [('deploy', 'img-2'), ('scale', 3),
                         ('deploy', 'img-3'), ('scale', 2), ('scale', 4),
                         ('deploy', 'img-4'), ('scale', 1)]
        for kind, value in requests_sent:
            if kind == 'deploy':
                self.deploy(app_id, value)
            else:
                self.scale(app_id, value)
        wfs = self.wait_until(lambda: self.workflows_done(app_id),
                              timeout=120, what='every deploy')
        self.wait_until(lambda: len(self.operations()) == 8, timeout=120,
                        what='every operation in the journal')
        ops = self.operations()

        # One at a time, though two processes did the work.
        spans = sorted((op['began'], op['ended']) for op in ops)
        for (_b1, end), (begin, _e2) in zip(spans, spans[1:],
                                            strict=False):
            self.assertLessEqual(end, begin, 'two operations on one app '
                                 'overlapped: %s' % ops)
        self.assertEqual(2, len({op['pid'] for op in ops}),
                         'one deployer did everything: %s' % ops)

        # Every request applied once, each kind in the order sent.
        in_order = sorted(ops, key=lambda op: op['began'])
        self.assertEqual(
            [('img-1', 1), ('img-2', 2), ('img-3', 3), ('img-4', 4)],
            [(op['image'], op['release']) for op in in_order
             if op['op'] == 'deploy'])
        self.assertEqual(
            [3, 2, 4, 1],
            [op['replicas'] for op in in_order if op['op'] == 'scale'])
        self.assertEqual([1, 2, 3, 4], [w['wf_id'] for w in wfs])

        # The app ends as the last requests left it.
        releases = self.api('GET', '/v1/apps/%s/releases' % app_id).json()
        self.assertEqual(
            [(1, 'SUPERSEDED'), (2, 'SUPERSEDED'), (3, 'SUPERSEDED'),
             (4, 'ACTIVE')],
            [(r['number'], r['status']) for r in releases])
        active = releases[-1]
        self.assertEqual(('img-4', 1), (active['image'], active['replicas']))
