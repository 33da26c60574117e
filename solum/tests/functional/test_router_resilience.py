"""The router with a real HAProxy: a replica's network namespace that
vanishes (here one the test makes with ``ip netns add`` and deletes)
breaks neither the deploy nor the scaling of another app."""

import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid

import fixtures
import requests
import testtools

from solum.deployer.local import router as router_mod
from solum.deployer.local import router_config
from solum.tests.functional import base
from solum.tests.functional import deployer_fixtures as fx


def unavailable():
    if os.geteuid() != 0:
        return 'needs root (ip netns)'
    for tool in ('haproxy', 'ip'):
        if shutil.which(tool) is None:
            return '%s is not installed' % tool
    return None


class Named(http.server.BaseHTTPRequestHandler):
    """Answers every GET with the server's name."""

    def do_GET(self):
        body = (self.server.name + '\n').encode()
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


# A replica inside the namespace: answers its name on 127.0.0.1:8080.
NS_SERVER = '''
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = (sys.argv[1] + '\\n').encode()
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(('127.0.0.1', 8080), H).serve_forever()
'''


class TestVanishedNamespace(testtools.TestCase):

    def setUp(self):
        super().setUp()
        reason = unavailable()
        if reason:
            self.skipTest(reason)
        self.useFixture(fixtures.Timeout(120, gentle=True))
        # Unix socket paths are short: not under a deep temporary path.
        state = tempfile.mkdtemp(prefix='rr', dir='/tmp')
        self.addCleanup(shutil.rmtree, state, True)
        self.port = base.free_port()
        self.router = router_mod.Router(
            state_dir=os.path.join(state, 'router'), host='127.0.0.1',
            port=self.port, executable='haproxy')
        self.addCleanup(self.router.stop)
        self.router.start()

    def backend(self, app):
        return router_config.Backend('app_' + app, '%s.ft.apps.localhost' %
                                     app, '/apps/ft/' + app, '/')

    def loopback_server(self, name):
        server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Named)
        server.name = name
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        return server.server_address[1]

    def namespace_server(self, name):
        """A network namespace of the test's own with a server inside;
        deleted by delete_namespace (or the cleanup)."""
        netns = 'solum-ft-%s' % uuid.uuid4().hex[:8]
        subprocess.run(['ip', 'netns', 'add', netns], check=True)
        self.addCleanup(subprocess.run, ['ip', 'netns', 'delete', netns],
                        capture_output=True)
        subprocess.run(['ip', '-n', netns, 'link', 'set', 'lo', 'up'],
                       check=True)
        proc = subprocess.Popen(['ip', 'netns', 'exec', netns,
                                 sys.executable, '-c', NS_SERVER, name])
        self.addCleanup(proc.wait)
        self.addCleanup(proc.kill)
        return netns, proc

    def delete_namespace(self, netns, proc):
        proc.kill()
        proc.wait()
        subprocess.run(['ip', 'netns', 'delete', netns], check=True)
        self.assertFalse(os.path.exists(os.path.join('/run/netns', netns)))

    def get(self, app):
        try:
            resp = requests.get('http://127.0.0.1:%d/' % self.port,
                                headers={'Host': '%s.ft.apps.localhost' %
                                         app}, timeout=5)
        except requests.RequestException:
            return None
        return resp.text.strip() if resp.status_code == 200 else None

    def serves(self, app, names):
        """Every one of ``names`` answers through the router."""
        seen = set()

        def all_seen():
            seen.add(self.get(app))
            return set(names) <= seen
        return fx.wait_until(all_seen, timeout=15, interval=0.02)

    def test_another_apps_deploy_and_scale_succeed(self):
        netns, proc = self.namespace_server('a1')
        self.router.ensure_backend(self.backend('a'),
                                   [('a1', 1, netns, 8080)])
        self.assertTrue(self.serves('a', ['a1']))

        self.delete_namespace(netns, proc)
        # Another app's deploy: a new backend, a reload.
        b1 = self.loopback_server('b1')
        self.router.ensure_backend(self.backend('b'),
                                   [('b1', b1, None, None)])
        self.assertTrue(self.serves('b', ['b1']))
        # Its scale-out: one more replica.
        b2 = self.loopback_server('b2')
        self.router.add_servers('app_b', [('b2', b2, None, None)])
        self.assertTrue(self.serves('b', ['b1', 'b2']))
        # The vanished replica was left out (healing replaces it).
        self.assertEqual({}, self.router.backends['app_a'].servers)
        with open(self.router.config_path) as f:
            self.assertNotIn(netns, f.read())

    def test_a_namespace_haproxy_cannot_open_is_left_out(self):
        # HAProxy's own refusal (a namespace gone between the router's
        # look and HAProxy's): the reload is tried again without it.
        netns, proc = self.namespace_server('a1')
        self.router.ensure_backend(self.backend('a'),
                                   [('a1', 1, netns, 8080)])
        self.assertTrue(self.serves('a', ['a1']))
        self.delete_namespace(netns, proc)
        looks_alive = self.useFixture(fixtures.TempDir()).path
        open(os.path.join(looks_alive, netns), 'w').close()
        self.useFixture(fixtures.MonkeyPatch(
            'solum.deployer.local.router_config.NETNS_DIR', looks_alive))

        b1 = self.loopback_server('b1')
        self.router.ensure_backend(self.backend('b'),
                                   [('b1', b1, None, None)])
        self.assertTrue(self.serves('b', ['b1']))
        self.assertEqual({}, self.router.backends['app_a'].servers)

    def test_the_reason_of_a_refused_configuration_is_one_line(self):
        backend = self.backend('c')
        # A namespace HAProxy cannot open, every time.
        backend.servers['c1'] = {'port': 1, 'state': 'ready', 'slot': 1,
                                 'netns': 'solum-ft-never', 'target_port': 1}
        self.useFixture(fixtures.MonkeyPatch(
            'solum.deployer.local.router_config.netns_exists',
            lambda name: True))
        self.useFixture(fixtures.MonkeyPatch(
            'solum.deployer.local.router.Router._leave_out',
            lambda self, namespaces: None))
        self.router.backends['app_c'] = backend
        e = self.assertRaises(router_mod.RouterError,
                              self.router._write_and_reload)
        self.assertNotIn('\n', str(e))
        self.assertIn("Cannot open namespace 'solum-ft-never'", str(e))
        self.assertTrue(str(e).startswith('invalid router configuration: '),
                        str(e))
