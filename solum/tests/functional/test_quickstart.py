"""The README's first command, tools/quickstart.sh, as a user runs it:
from a sample directory to an app answering through the router; run
again with nothing changed, it deploys nothing; after an edit of the
sample, a new release at the same URL.

It runs against its own solum-all (its own state, configuration, API and
router ports, host label) and its own copy of the sample under another
name, so it leaves the quickstart a user may be running alone.
"""

import os
import shutil
import signal
import subprocess
import urllib.parse
import uuid

import fixtures
import requests
import testtools

from solum.tests.functional import base
from solum.tests.functional import deployer_fixtures as fx

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
QUICKSTART = os.path.join(TOP, 'tools', 'quickstart.sh')
SAMPLE = os.path.join(TOP, 'examples', 'python-hello')


class TestQuickstart(testtools.TestCase):

    def setUp(self):
        super().setUp()
        reason = fx.unavailable()
        if reason:
            self.skipTest(reason)
        self.useFixture(fixtures.Timeout(600, gentle=True))
        tmp = self.useFixture(fixtures.TempDir()).path
        self.state = os.path.join(tmp, 'state')
        self.etc = os.path.join(tmp, 'etc')
        self.sample = os.path.join(tmp, 'sample')
        os.makedirs(self.etc)
        suffix = uuid.uuid4().hex[:8]
        self.app = 'qs-%s' % suffix
        self.host_label = 'ft-qs-%s' % suffix
        self.api_port = base.free_port()
        self.router_port = base.free_port()
        self.api = 'http://127.0.0.1:%d' % self.api_port
        shutil.copytree(SAMPLE, self.sample)
        app_file = os.path.join(self.sample, 'app.yaml')
        with open(app_file) as f:
            text = f.read()
        with open(app_file, 'w') as f:
            f.write(text.replace('name: python-hello', 'name: %s' %
                                 self.app, 1))
        # The configuration the quickstart keeps because it is there: a
        # host label of its own, so the cleanup removes only its replicas.
        with open(os.path.join(self.etc, 'solum.conf'), 'w') as f:
            f.write('[DEFAULT]\nauth_strategy = noauth\nstate_path = %s\n'
                    'rpc_transport = local\nhost = %s\n'
                    '[api]\nhost = 127.0.0.1\nport = %d\n'
                    '[deployer]\nrouter_port = %d\nhost_label = %s\n' % (
                        self.state, self.host_label, self.api_port,
                        self.router_port, self.host_label))
        self.addCleanup(self.cleanup)

    def quickstart(self):
        env = dict(os.environ, SOLUM_SAMPLE=self.sample,
                   SOLUM_STATE=self.state, SOLUM_ETC=self.etc,
                   SOLUM_VENV=os.path.dirname(base.BIN),
                   SOLUM_PORT=str(self.api_port),
                   SOLUM_ROUTER_PORT=str(self.router_port))
        result = subprocess.run([QUICKSTART], env=env, cwd=TOP,
                                capture_output=True, text=True, timeout=540)
        self.assertEqual(0, result.returncode,
                         'quickstart failed:\n%s%s' % (
                             result.stdout[-4000:], result.stderr[-4000:]))
        return result.stdout

    def url_in(self, output):
        marker = '==> %s is running at ' % self.app
        lines = [line for line in output.splitlines()
                 if line.startswith(marker)]
        self.assertEqual(1, len(lines), output[-2000:])
        return lines[0][len(marker):].strip()

    def releases(self):
        resp = requests.get('%s/v1/apps/%s/releases' % (self.api, self.app),
                            timeout=10)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()

    def served(self, url):
        # curl and browsers resolve *.localhost to loopback; glibc (and so
        # requests) does not: ask the router on 127.0.0.1 with the Host.
        parsed = urllib.parse.urlsplit(url)
        resp = requests.get('http://127.0.0.1:%d%s' % (parsed.port,
                                                       parsed.path),
                            headers={'Host': parsed.netloc}, timeout=10)
        self.assertEqual(200, resp.status_code)
        return resp.text

    def test_deploys_then_is_idempotent_then_redeploys_an_edit(self):
        out = self.quickstart()
        url = self.url_in(out)
        self.assertEqual('http://%s.solum.apps.localhost:%d/' % (
            self.app, self.router_port), url)
        self.assertIn('Hello from Solum!', self.served(url))
        self.assertEqual(1, len(self.releases()))

        again = self.quickstart()
        self.assertIn('nothing to deploy', again)
        self.assertEqual(url, self.url_in(again))
        self.assertEqual(1, len(self.releases()))

        with open(os.path.join(self.sample, 'app.py')) as f:
            code = f.read()
        self.assertIn('served by', code)
        with open(os.path.join(self.sample, 'app.py'), 'w') as f:
            f.write(code.replace('served by', 'edited, served by', 1))
        edited = self.quickstart()
        self.assertEqual(url, self.url_in(edited))
        self.assertIn('edited, served by', self.served(url))
        self.assertEqual(2, len(self.releases()))

    def cleanup(self):
        # Through the API first: the app's images and rows go with it.
        try:
            requests.delete('%s/v1/apps/%s' % (self.api, self.app),
                            timeout=10)
            fx.wait_until(lambda: requests.get(
                '%s/v1/apps/%s' % (self.api, self.app),
                timeout=10).status_code == 404, timeout=60)
        except requests.RequestException:
            pass
        try:
            with open(os.path.join(self.state, 'solum-all.pid')) as f:
                pid = int(f.read().strip())
            os.kill(pid, signal.SIGTERM)
            fx.wait_until(lambda: not os.path.exists('/proc/%d' % pid),
                          timeout=20)
        except (OSError, ValueError):
            pass
        fx.cleanup(self.host_label, self.state)
