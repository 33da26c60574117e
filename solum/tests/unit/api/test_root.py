"""The real paste pipeline (noauth) in front of the Pecan app."""

import webtest

from solum.api import app as api_app
from solum.tests import base


class TestPipeline(base.DbTestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(auth_strategy='noauth')
        self.app = webtest.TestApp(api_app.load_app())

    def test_version_discovery(self):
        root = self.app.get('/').json
        self.assertEqual('v1.0', root['default_version']['id'])
        self.assertTrue(root['versions'][0]['links'][0]['href'].endswith(
            '/v1'))
        v1 = self.app.get('/v1').json
        self.assertEqual('CURRENT', v1['status'])
        self.assertTrue(v1['apps_uri'].endswith('/v1/apps'))

    def test_healthcheck(self):
        self.assertEqual(200, self.app.get('/healthcheck').status_int)

    def test_noauth_acts_in_the_named_project(self):
        self.assertEqual([], self.app.get('/v1/apps').json)
        resp = self.app.post_json('/v1/apps', {
            'version': 1, 'name': 'x', 'languagepack': 'python',
            'source': {'repository': 'https://g.example.com/x.git'}},
            headers={'X-Project-Id': 'team1'})
        self.assertEqual('team1', resp.json['project_id'])

    def test_unknown_path_is_a_json_fault(self):
        resp = self.app.get('/v1/nothing', status=404)
        self.assertEqual({'faultcode': 'Client',
                          'faultstring': 'The resource could not be found.',
                          'debuginfo': None}, resp.json)

    def test_wrong_method_is_a_json_fault(self):
        resp = self.app.put('/v1/apps', status=405)
        self.assertEqual('Client', resp.json['faultcode'])

    def test_method_override_is_refused(self):
        self.app.post_json('/v1/apps', {
            'version': 1, 'name': 'keep', 'languagepack': 'python',
            'source': {'repository': 'https://g.example.com/x.git'}})
        resp = self.app.post('/v1/apps/keep?_method=delete', status=400)
        self.assertIn('_method override is not supported',
                      resp.json['faultstring'])
        # A form field is no override: the form body is never parsed.
        self.app.post('/v1/apps/keep', {'_method': 'delete'}, status=404)
        self.assertEqual(['keep'],
                         [a['name'] for a in self.app.get('/v1/apps').json])
        self.app.delete('/v1/apps/keep', status=202)

    def test_chunked_body_over_limit_is_413(self):
        self.conf.config(max_body_size=1024, group='api')
        resp = self.app.post('/v1/apps', 'x' * 5000, headers={
            'Content-Type': 'application/json',
            'Transfer-Encoding': 'chunked'}, status=413)
        self.assertIn('1024', resp.json['faultstring'])

    def test_request_id_header(self):
        self.assertIn('x-openstack-request-id',
                      {k.lower() for k in self.app.get('/').headers})

    def test_head_answers_like_get(self):
        for path in ('/', '/v1', '/v1/apps'):
            resp = self.app.head(path, status=200)
            self.assertEqual(b'', resp.body)
            self.assertEqual('application/json', resp.content_type)
        self.app.head('/v1/nothing', status=404)
        self.app.head('/v1/apps/nope', status=404)
