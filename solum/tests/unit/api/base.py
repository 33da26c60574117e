"""API tests through the real middleware, Pecan app, database and an
in-process RPC bus with the real conductor."""

import time

import fixtures
import webob.dec
import webtest

from solum.api import app as api_app
from solum.api.middleware import fault
from solum.api.middleware import limits
from solum.common import states
from solum.common import workers
from solum.db import api as db_api
from solum.tests import base

PROJECT_A = 'a0000000000000000000000000000000'
PROJECT_B = 'b0000000000000000000000000000000'


class _TrustHeaders:
    """Stands in for auth_token: the test says who is calling."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, request):
        if 'X-Test-Roles' in request.headers:
            request.headers['X-Roles'] = request.headers['X-Test-Roles']
            request.headers['X-Identity-Status'] = 'Confirmed'
        return request.get_response(self.application)


class APITestCase(base.DbTestCase):
    roles = 'member,reader'
    project = PROJECT_A

    def setUp(self):
        super().setUp()
        # Trusts need a real Keystone: see the functional tests.
        self.conf.config(enabled=False, group='trust')
        # The real builder runs, but unit tests reach no network and no
        # container storage: https sources are refused before any command
        # runs, and there are never images to delete.
        self.conf.config(git_allowed_protocols=['file'], group='builder')
        for query in ('refs_with_labels', 'ids_with_labels'):
            self.useFixture(fixtures.MockPatch(
                'solum.common.images.%s' % query, return_value=[]))
        self.workers = [workers.conductor(), workers.builder(),
                        workers.deployer()]
        for worker in self.workers:
            worker.start()
        self.addCleanup(workers.stop_all, self.workers)
        application = fault.FaultWrapper(limits.BodySizeLimit(
            _TrustHeaders(api_app.setup_app())))
        self.app = webtest.TestApp(application)

    def headers(self, project=None, roles=None, user='user-1', **extra):
        result = {'X-Test-Roles': roles or self.roles,
                  'X-Project-Id': project or self.project,
                  'X-User-Id': user}
        result.update(extra)
        return result

    def get(self, path, status=200, **kw):
        headers = kw.pop('headers', None) or self.headers(**kw)
        return self.app.get(path, headers=headers, status=status)

    def post_json(self, path, body, status=201, **kw):
        headers = kw.pop('headers', None) or self.headers(**kw)
        return self.app.post_json(path, body, headers=headers,
                                  status=status)

    def patch_json(self, path, body, status=200, **kw):
        headers = kw.pop('headers', None) or self.headers(**kw)
        return self.app.patch_json(path, body, headers=headers,
                                   status=status)

    def delete(self, path, status=202, **kw):
        headers = kw.pop('headers', None) or self.headers(**kw)
        return self.app.delete(path, headers=headers, status=status)

    def create_app(self, name='hello', status=201, **kw):
        body = {'version': 1, 'name': name, 'languagepack': 'python',
                'source': {'repository': 'https://git.example.com/a.git',
                           'revision': 'main'}}
        body.update(kw.pop('body', {}))
        return self.post_json('/v1/apps', body, status=status, **kw)

    def wait_for_workflow(self, wf_uuid, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            wf = db_api.get_workflow_by_uuid(None, wf_uuid)
            if states.is_finished(wf.status, wf.actions):
                return wf
            time.sleep(0.02)
        self.fail('workflow %s did not finish; it is %s' % (wf_uuid,
                                                            wf.status))
