"""The Heat driver's lifecycle against a scripted Heat (fast; the real
Heat is in solum.tests.functional.test_heat_deployer)."""

import base64
import http.server
import threading
import time
import types
from unittest import mock

import fixtures
from heatclient import exc as heat_exc

from solum.common import states
from solum.deployer import driver as base
from solum.deployer.heat import driver as heat_driver
from solum.tests import base as test_base

GLANCE_ID = '0b4a7e7c-3f3c-4a8e-9d0e-2c1f5b6a7d8e'


class FakeStacks:
    def __init__(self):
        self.stacks = {}
        self.calls = []
        self.script = []        # statuses the next get()s return
        self.refuse = None

    def _find(self, key):
        for stack in self.stacks.values():
            if key in (stack.id, stack.stack_name):
                return stack
        raise heat_exc.HTTPNotFound()

    def get(self, key):
        stack = self._find(key)
        if self.script:
            status, reason = self.script.pop(0)
            stack.stack_status, stack.stack_status_reason = status, reason
        return stack

    def create(self, stack_name, **fields):
        self.calls.append(('create', stack_name, fields))
        if self.refuse:
            raise self.refuse
        stack = types.SimpleNamespace(
            id='s-1', stack_name=stack_name, stack_status='CREATE_COMPLETE',
            stack_status_reason='', updated_time=None,
            links=[{'rel': 'self', 'href': 'http://heat/stacks/s-1'}],
            outputs=[{'output_key': 'servers', 'output_value': ['a']}])
        self.stacks[stack.id] = stack
        return {'stack': {'id': stack.id}}

    def update(self, stack_id, existing=False, **fields):
        self.calls.append(('update', stack_id, existing, fields))
        stack = self._find(stack_id)
        stack.updated_time = 'T%d' % len(self.calls)
        stack.stack_status = 'UPDATE_COMPLETE'

    def delete(self, stack_id):
        self.calls.append(('delete', stack_id))
        self._find(stack_id).stack_status = 'DELETE_COMPLETE'


class FakeImages:
    def __init__(self):
        self.deleted = []

    def get(self, image_id):
        if image_id != GLANCE_ID:
            raise Exception('HTTP 404 Not Found')
        return {'id': image_id, 'status': 'active'}

    def list(self, filters=None):
        return [{'id': GLANCE_ID}]

    def delete(self, image_id):
        self.deleted.append(image_id)


class Driver(heat_driver.HeatDriver):
    def __init__(self):
        super().__init__(sleep=lambda s: None)
        self.fake = types.SimpleNamespace(
            heat=types.SimpleNamespace(stacks=FakeStacks()),
            glance=types.SimpleNamespace(images=FakeImages()),
            session=types.SimpleNamespace(get_token=lambda: 'tok'),
            image_endpoint=lambda: 'http://glance')

    def clients(self, app):
        return self.fake


def target(replicas=1, glance_id=GLANCE_ID, number=1):
    app = types.SimpleNamespace(uuid='5e1f0000-0000-4000-8000-000000000009',
                                name='Hello_App', project_id='p',
                                trust_id='t', parameters={})
    release = types.SimpleNamespace(
        number=number, image='localhost/solum/p/hello:%d' % number,
        uuid='r%d' % number, config={'port': 5000, 'glance_id': glance_id})
    return base.Target(app, release, replicas)


class TestHeatDriver(test_base.TestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(flavor='m1.tiny', poll_interval=0.01,
                         stack_timeout=1, group='heat')
        self.driver = Driver()
        self.stacks = self.driver.fake.heat.stacks

    def test_first_deploy_creates_later_ones_update(self):
        url = self.driver.deploy(target(2))
        self.assertEqual('http://heat/stacks/s-1', url)
        (op, name, fields), = self.stacks.calls
        self.assertEqual(('create', 'solum-hello-app-5e1f0000'), (op, name))
        self.assertEqual(2, fields['parameters']['desired_capacity'])
        self.assertEqual('http://glance/v2/images/%s/file' % GLANCE_ID,
                         base64.b64decode(fields['parameters'][
                             'app_image_url_b64']).decode())
        self.assertEqual({'Solum::Member': 'container_host.yaml'},
                         fields['environment']['resource_registry'])
        self.assertEqual(1, fields['timeout_mins'])
        self.assertEqual(url, self.driver.deploy(target(2, number=2)))
        op, stack_id, existing, fields = self.stacks.calls[-1]
        self.assertEqual(('update', 's-1', False), (op, stack_id, existing))
        self.assertEqual('2', fields['parameters']['env']['SOLUM_RELEASE'])

    def test_heat_refusal_is_a_stack_create_failure(self):
        self.stacks.refuse = heat_exc.HTTPBadRequest(
            'ERROR: The Flavor ID (nope) could not be found.')
        e = self.assertRaises(base.StackCreateFailed, self.driver.deploy,
                              target())
        self.assertIn('The Flavor ID (nope) could not be found', e.reason)
        self.assertEqual(states.STACK_FAILED, e.outcome)

    def test_create_failed_carries_heats_reason(self):
        self.stacks.script = [('CREATE_IN_PROGRESS', ''), (
            'CREATE_FAILED', 'Resource CREATE failed: WaitConditionTimeout')]
        e = self.assertRaises(base.StackCreateFailed, self.driver.deploy,
                              target())
        self.assertEqual('CREATE_FAILED: Resource CREATE failed: '
                         'WaitConditionTimeout', e.reason)
        # the next deploy starts over with a new stack
        self.driver.deploy(target())
        self.assertEqual(['create', 'delete', 'create'],
                         [c[0] for c in self.stacks.calls])

    def test_deadline(self):
        self.conf.config(poll_max_interval=0.01, group='heat')
        self.stacks.script = [('CREATE_IN_PROGRESS', 'still')] * 100000
        self.driver._deadline = lambda: 0
        e = self.assertRaises(base.StackTimeout, self.driver.deploy,
                              target())
        self.assertIn('still CREATE_IN_PROGRESS after the deadline',
                      e.reason)

    def test_image_not_in_glance(self):
        e = self.assertRaises(base.StackCreateFailed, self.driver.deploy,
                              target(glance_id=None))
        self.assertIn('has no Glance image', e.reason)
        e = self.assertRaises(
            base.StackCreateFailed, self.driver.deploy,
            target(glance_id='aaaaaaaa-3f3c-4a8e-9d0e-2c1f5b6a7d8e'))
        self.assertIn('is not in Glance', e.reason)
        self.assertEqual([], self.stacks.calls)

    def test_scale_patches_the_capacity(self):
        self.driver.deploy(target())
        self.driver.scale(target(3))
        op, stack_id, existing, fields = self.stacks.calls[-1]
        self.assertEqual(('update', True), (op, existing))
        self.assertEqual({'desired_capacity': 3, 'min_size': 1,
                          'max_size': 3}, fields['parameters'])
        self.assertNotIn('template', fields)

    def test_undeploy_deletes_the_stack_not_the_images(self):
        # The images are the builder's (its Glance store deletes them with
        # the app); they outlive a move of the app to another driver.
        self.driver.deploy(target())
        self.driver.undeploy(target().app)
        self.assertEqual(('delete', 's-1'), self.stacks.calls[-1])
        self.assertEqual([], self.driver.fake.glance.images.deleted)
        self.assertIsNone(self.driver.find_stack(
            self.driver.fake.heat, target().app))


class _Handler(http.server.BaseHTTPRequestHandler):
    """Answers each GET with the next status of the server's script (the
    last one again once the script is used up)."""

    def do_GET(self):
        server = self.server
        server.paths.append(self.path)
        status = server.script[min(len(server.paths), len(server.script))
                               - 1]
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header('Location', 'http://127.0.0.1:9/elsewhere')
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass


class TestProbe(test_base.TestCase):
    """probe() against a real HTTP server on 127.0.0.1."""

    def setUp(self):
        super().setUp()
        self.conf.config(poll_interval=0.01, poll_max_interval=0.02,
                         probe_timeout=1, group='heat')
        self.sleeps = []
        self.driver = heat_driver.HeatDriver(sleep=self.sleep)
        # A proxy in the environment must not take the loopback requests.
        for name in ('no_proxy', 'NO_PROXY'):
            self.useFixture(fixtures.EnvironmentVariable(name, '127.0.0.1'))

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        time.sleep(seconds)

    def serve(self, *script):
        server = http.server.HTTPServer(('127.0.0.1', 0), _Handler)
        server.script, server.paths = list(script), []
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return server, 'http://127.0.0.1:%d/app/' % server.server_port

    def test_an_answer_completes_at_once(self):
        server, url = self.serve(200)
        self.driver.probe(url)
        self.assertEqual(['/app/'], server.paths)
        self.assertEqual([], self.sleeps)

    def test_retries_with_backoff_until_the_app_answers(self):
        server, url = self.serve(503, 502, 503, 204)
        self.driver.probe(url)
        self.assertEqual(4, len(server.paths))
        self.assertEqual([0.01, 0.015, 0.02], self.sleeps)

    def test_a_redirect_is_an_answer_and_is_not_followed(self):
        server, url = self.serve(302)
        self.driver.probe(url)
        self.assertEqual(['/app/'], server.paths)

    def test_errors_until_the_deadline(self):
        server, url = self.serve(500)
        e = self.assertRaises(base.DeployError, self.driver.probe, url)
        self.assertEqual('%s did not answer within 1 s (HTTP 500)' % url,
                         e.reason)
        self.assertGreater(len(server.paths), 1)

    def test_nothing_listening(self):
        server, url = self.serve(200)
        server.shutdown()
        server.server_close()
        e = self.assertRaises(base.DeployError, self.driver.probe, url)
        self.assertIn('%s did not answer within 1 s (' % url, e.reason)
        self.assertIn('Connection refused', e.reason)

    def test_deploy_probes_the_load_balancers_url_only(self):
        server, url = self.serve(503, 200)
        driver = Driver()
        stacks = driver.fake.heat.stacks
        create = stacks.create

        def create_with_lb(stack_name, **fields):
            created = create(stack_name, **fields)
            stacks.stacks['s-1'].outputs.append(
                {'output_key': 'app_url', 'output_value': url})
            return created
        stacks.create = create_with_lb
        self.assertEqual(url, driver.deploy(target()))
        self.assertEqual(['/app/', '/app/'], server.paths)
        # A load balancer that never answers fails the deploy.
        server.script = [503]
        e = self.assertRaises(base.DeployError, driver.deploy,
                              target(number=2))
        self.assertIn('%s did not answer within 1 s (HTTP 503)' % url,
                      e.reason)

    def test_without_a_load_balancer_nothing_is_probed(self):
        driver = Driver()
        driver.probe = mock.Mock()
        self.assertEqual('http://heat/stacks/s-1', driver.deploy(target()))
        driver.probe.assert_not_called()
