"""The Python bindings against the real API app (in-process, over WSGI)."""

import io
import types
import urllib.parse

import fixtures
import requests
import testtools

from solum.tests.unit.api import base
from solumclient import client
from solumclient import exceptions
from solumclient.v1 import apps
from solumclient.v1 import language_packs
from solumclient.v1 import workflows


class FakeResponse:
    def __init__(self, status, body, reason='Reason'):
        self.status_code = status
        self._body = body
        self.reason = reason

    def json(self):
        if self._body is None:
            raise ValueError('no json')
        return self._body


class TestErrors(testtools.TestCase):

    def test_faultstring_becomes_the_message(self):
        error = exceptions.from_response(FakeResponse(
            404, {'faultstring': 'App x could not be found.'}), 'GET', '/x')
        self.assertIsInstance(error, exceptions.NotFound)
        self.assertEqual('App x could not be found.', str(error))

    def test_keystone_error_body(self):
        error = exceptions.from_response(FakeResponse(
            401, {'error': {'message': 'needs a token'}}), 'GET', '/x')
        self.assertIsInstance(error, exceptions.Unauthorized)
        self.assertEqual('needs a token', str(error))

    def test_unknown_bodies_and_statuses(self):
        error = exceptions.from_response(FakeResponse(502, None, 'Bad'),
                                         'GET', '/x')
        self.assertIsInstance(error, exceptions.ServerError)
        self.assertEqual('502 Bad', str(error))
        self.assertIsInstance(exceptions.from_response(
            FakeResponse(418, {}), 'GET', '/x'), exceptions.ClientException)

    def test_each_status_has_its_class(self):
        for status, cls in ((400, exceptions.BadRequest),
                            (401, exceptions.Unauthorized),
                            (403, exceptions.Forbidden),
                            (404, exceptions.NotFound),
                            (406, exceptions.NotAcceptable),
                            (409, exceptions.Conflict),
                            (413, exceptions.RequestTooLarge),
                            (415, exceptions.UnsupportedMediaType),
                            (500, exceptions.ServerError),
                            (503, exceptions.ServerError)):
            error = exceptions.from_response(FakeResponse(status, {}),
                                             'GET', '/x')
            self.assertIs(cls, type(error))
            self.assertEqual(status, error.status_code)
            self.assertTrue(issubclass(cls, exceptions.ClientException))
        self.assertIsNone(exceptions.ConnectionFailed('x').status_code)
        self.assertEqual(404, exceptions.NotFound('x').status_code)

    def test_unreachable_endpoint(self):
        solum = client.Client(endpoint='http://127.0.0.1:9')
        error = self.assertRaises(exceptions.ConnectionFailed,
                                  solum.apps.list)
        self.assertIn('Cannot reach the Solum API at http://127.0.0.1:9',
                      str(error))


class _StreamingHTTP:
    """Records the GET a follow_logs sends; answers with two lines."""

    def __init__(self):
        self.requests = []
        self.closed = 0

    def get(self, path, **kwargs):
        self.requests.append((path, kwargs))
        return self

    def iter_lines(self, decode_unicode=False):
        assert decode_unicode
        yield 'one'
        yield 'two'

    def close(self):
        self.closed += 1


class TestFollowLogs(testtools.TestCase):

    def test_streamed_lines_of_each_resource(self):
        http = _StreamingHTTP()
        solum = types.SimpleNamespace(
            apps=apps.AppManager(http),
            language_packs=language_packs.LanguagePackManager(http),
            workflows=workflows.WorkflowManager(http))
        for follow, path, params in (
                (lambda: solum.apps.follow_logs('w b'), '/v1/apps/w%20b/logs',
                 {'follow': 'true'}),
                (lambda: solum.apps.follow_logs('web', tail=5),
                 '/v1/apps/web/logs', {'follow': 'true', 'tail': 5}),
                (lambda: solum.language_packs.follow_logs('java'),
                 '/v1/language_packs/java/logs', {'follow': 'true'}),
                (lambda: solum.workflows.follow_logs('web', 3),
                 '/v1/apps/web/workflows/3/logs', {'follow': 'true'})):
            del http.requests[:]
            lines = follow()
            # Nothing is sent until the lines are read.
            self.assertEqual([], http.requests)
            self.assertEqual(['one', 'two'], list(lines))
            self.assertEqual([(path, {'params': params,
                                      'headers': {'Accept': 'text/plain'},
                                      'stream': True})], http.requests)
        self.assertEqual(4, http.closed)

    def test_a_stream_left_early_is_closed(self):
        http = _StreamingHTTP()
        lines = apps.AppManager(http).follow_logs('web')
        self.assertEqual('one', next(lines))
        lines.close()
        self.assertEqual(1, http.closed)


class TestBindings(base.APITestCase):
    """Requests from the bindings are served by the WSGI app in-process."""

    def setUp(self):
        super().setUp()
        self.solum = client.Client(endpoint='http://solum.test',
                                   project_id=base.PROJECT_A)
        self.useFixture(_RouteToWSGI(self.solum, self.app, self.headers()))

    def test_apps_and_workflows(self):
        app = self.solum.apps.create({
            'version': 1, 'name': 'web', 'languagepack': 'python',
            'source': {'repository': 'https://git.example.com/w.git'}})
        self.assertEqual('web', self.solum.apps.get('web')['name'])
        self.assertEqual([app['id']],
                         [a['id'] for a in self.solum.apps.list()])
        updated = self.solum.apps.update('web', description='d')
        self.assertEqual('d', updated['description'])
        wf = self.solum.workflows.create('web', ['build'])
        self.wait_for_workflow(wf['id'])
        self.assertEqual('ERROR', self.solum.workflows.get('web', 1)[
            'status'])
        self.assertTrue(self.solum.workflows.logs('web', 1))
        error = self.assertRaises(exceptions.Conflict,
                                  self.solum.apps.create, {
                                      'version': 1, 'name': 'web',
                                      'languagepack': 'python',
                                      'source': {'repository':
                                                 'https://g.example/x'}})
        self.assertIn('already exists', str(error))

    def test_plans_yaml(self):
        plan = self.solum.plans.create('version: 1\nname: p\n')
        text = self.solum.plans.get(plan['uuid'], as_yaml=True)
        self.assertIn('name: p', text)
        self.solum.plans.delete(plan['uuid'])
        self.assertRaises(exceptions.NotFound, self.solum.plans.get,
                          plan['uuid'])


class _WSGIAdapter(requests.adapters.BaseAdapter):
    """A requests transport that hands requests to a WebTest app."""

    def __init__(self, testapp, headers):
        super().__init__()
        self.testapp = testapp
        self.headers = headers

    def send(self, request, **kwargs):
        parts = urllib.parse.urlsplit(request.url)
        path = parts.path + ('?' + parts.query if parts.query else '')
        headers = dict(request.headers, **self.headers)
        body = request.body or b''
        if isinstance(body, str):
            body = body.encode()
        result = self.testapp.request(path, method=request.method,
                                      headers=headers, body=body,
                                      expect_errors=True)
        response = requests.Response()
        response.status_code = result.status_int
        response.reason = result.status.split(' ', 1)[1]
        response.headers.update(result.headers)
        response._content = result.body
        # Streamed responses (follow=true) are read from raw.
        response.raw = io.BytesIO(result.body)
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


class _RouteToWSGI(fixtures.Fixture):
    def __init__(self, solum, testapp, headers):
        super().__init__()
        self.solum = solum
        self.testapp = testapp
        self.headers = headers

    def _setUp(self):
        session = self.solum.http.adapter.session.session
        session.mount('http://solum.test', _WSGIAdapter(self.testapp,
                                                        self.headers))
