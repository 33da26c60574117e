"""The build network, end to end: real buildah builds through the API,
conductor and builder (as in test_builder), each in a network namespace of
its own (solum.builder.netns, ``[builder] build_network``).

* a RUN step cannot connect to a port this test listens on on the
  host's loopback (directly or through slirp4netns's 10.0.2.2), while the
  same build with ``build_network = host`` can (the control);
* pip inside the build still installs from PyPI (through the host's
  proxy, DNS through 10.0.2.3);
* nothing is left behind (no slirp4netns, no holder, no process in the
  namespace) after a successful, a failed and a timed-out build.

Needs root, buildah, podman, unshare, nsenter, slirp4netns; skips with
the reason otherwise.
"""

import os
import re
import shutil
import socket
import subprocess
import threading
import time
import uuid

import fixtures

from solum.builder import netfilter
from solum.builder import netns
from solum.common import states
from solum.tests.functional import deployer_fixtures as fx
from solum.tests.functional import test_builder as tb

PROBE = ('import socket\n'
         'for host in ("127.0.0.1", "10.0.2.2"):\n'
         '    try:\n'
         '        socket.create_connection((host, %d), 3).close()\n'
         '        print("probe: reached", host)\n'
         '    except OSError as e:\n'
         '        print("probe: unreachable", host, e)\n')


PROBE_HOSTS = ('import socket, sys\n'
               'for host, port in zip(sys.argv[1::2], sys.argv[2::2]):\n'
               '    try:\n'
               '        socket.create_connection((host, int(port)), 3)'
               '.close()\n'
               '        print("probe: reached", host)\n'
               '    except OSError as e:\n'
               '        print("probe: unreachable", host, e)\n')


class Listener(fixtures.Fixture):
    """A TCP server on the host's loopback (or ``address``) that counts
    connections."""

    def __init__(self, address='127.0.0.1'):
        super().__init__()
        self.address = address

    def _setUp(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((self.address, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.peers = []
        self.done = threading.Event()
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 5)
        self.addCleanup(self.done.set)
        self.addCleanup(self.sock.close)

    def _accept(self):
        while not self.done.is_set():
            try:
                conn, peer = self.sock.accept()
            except OSError:  # the accept timeout too
                continue
            self.peers.append(peer)
            conn.close()


def _mount_points():
    with open('/proc/self/mountinfo') as f:
        return {line.split()[4] for line in f}


def _children(names=('slirp4netns', 'cat', 'unshare')):
    """This process's children named ``names`` (a build network's
    helpers)."""
    found = []
    me = os.getpid()
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % pid) as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index('(') + 1:stat.rindex(')')]
        ppid = int(stat[stat.rindex(')') + 2:].split()[1])
        if ppid == me and comm in names:
            found.append((int(pid), comm))
    return found


class TestBuildNetwork(tb.BuilderTestCase):

    def setUp(self):
        super().setUp()
        netns.reset()
        ok, why = netns.available()
        if not ok:
            self.skipTest('builds cannot have a network of their own '
                          'here: %s' % why)
        # Fail rather than fall back to the host's network.
        self.conf.config(build_network='private', group='builder')
        self.networks = []
        start = netns.BuildNetwork.start
        networks = self.networks

        def recording_start(net):
            networks.append(net)
            return start(net)
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netns.BuildNetwork.start', recording_start))

    def assert_torn_down(self, count):
        # At least one per build: a build run again when another test's
        # image removal took a layer from under it has one more.
        self.assertGreaterEqual(len(self.networks), count)
        for net in self.networks:
            self.assertIsNotNone(net.ns)
            self.assertEqual([], net.processes())
            self.assertIsNotNone(net.holder.poll())
            self.assertIsNotNone(net.slirp.poll())
        self.assertEqual([], _children())

    def dockerfile_app(self, name, step):
        repo, _sha = tb.make_repo(self.tmp, files={
            'Containerfile': tb.CONTAINERFILE.replace(
                'CMD', '%s\nCMD' % step),
            'probe.py': PROBE % self.listener.port})
        return self.create_app(name=name, repo=repo, languagepack='auto')

    def test_run_step_cannot_reach_host_loopback(self):
        self.listener = self.useFixture(Listener())
        # A new step each time: buildah's layer cache does not know
        # which network a step ran on.
        step = ('RUN echo %s && cat /etc/resolv.conf && python3 '
                '/home/solum/app/probe.py')
        # The control: on the host's network the step reaches the port.
        self.conf.config(build_network='host', group='builder')
        app = self.dockerfile_app('loopback-host', step % uuid.uuid4().hex)
        wf, logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.BUILT, wf['status'], wf['reason'])
        text = '\n'.join(x['message'] for x in logs)
        self.assertIn('probe: reached 127.0.0.1', text)
        # The listener's thread records the peer after the accept.
        fx.wait_until(lambda: len(self.listener.peers) == 1, timeout=5)
        self.assertEqual(1, len(self.listener.peers))
        self.assertEqual([], self.networks)
        # In its own network namespace it does not.
        self.conf.config(build_network='private', group='builder')
        app = self.dockerfile_app('loopback-private',
                                  step % uuid.uuid4().hex)
        wf, logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.BUILT, wf['status'], wf['reason'])
        text = '\n'.join(x['message'] for x in logs)
        self.assertIn("the host's loopback is not reachable", text)
        self.assertIn('nameserver 10.0.2.3', text)
        self.assertRegex(text, r'probe: unreachable 127\.0\.0\.1 .*refused')
        self.assertIn('probe: unreachable 10.0.2.2', text)
        self.assertNotIn('probe: reached', text)
        self.assertEqual(1, len(self.listener.peers))  # the control's only
        self.assert_torn_down(1)

    def test_run_step_cannot_reach_the_hosts_other_addresses(self):
        """A service bound to the host's own (non-loopback) address, and
        the metadata service's link-local address, are refused by the
        default [builder] build_network_deny; with an empty list the
        same step reaches the service (the control)."""
        if shutil.which('nft') is None:
            self.skipTest('nft is not installed: '
                          'tools/install-container-tools.sh installs it')
        addresses = [n for n in netfilter.host_addresses()
                     if n.version == 4]
        if not addresses:
            self.skipTest('this host has no non-loopback IPv4 address')
        address = str(addresses[0].network_address)
        self.listener = self.useFixture(Listener(address))
        step = ('RUN echo %%s && python3 /home/solum/app/probe_hosts.py '
                '%s %d 169.254.169.254 80' % (address, self.listener.port))

        def build(name):
            repo, _sha = tb.make_repo(self.tmp, files={
                'Containerfile': tb.CONTAINERFILE.replace(
                    'CMD', '%s\nCMD' % (step % uuid.uuid4().hex)),
                'probe_hosts.py': PROBE_HOSTS})
            app = self.create_app(name=name, repo=repo, languagepack='auto')
            wf, logs = self.run_workflow(app, actions=('build',))
            self.assertEqual(states.BUILT, wf['status'], wf['reason'])
            return '\n'.join(x['message'] for x in logs)

        self.conf.config(build_network_deny=[], group='builder')
        text = build('hostaddr-open')
        self.assertIn('probe: reached %s' % address, text)
        fx.wait_until(lambda: len(self.listener.peers) == 1, timeout=5)
        # The default deny list.
        self.conf.conf.clear_override('build_network_deny', group='builder')
        text = build('hostaddr-denied')
        self.assertIn("nor the host's other addresses, 169.254.0.0/16",
                      text)
        self.assertRegex(text, r'probe: unreachable %s .*refused' %
                         re.escape(address))
        # Refused at once rather than left to time out.
        self.assertRegex(text, r'probe: unreachable 169\.254\.169\.254 '
                               r'.*refused')
        self.assertEqual(1, len(self.listener.peers))  # the control's only
        self.assert_torn_down(2)

    def test_running_containers_keep_their_network(self):
        """A build network leaves the host's mounts alone: a running
        container's network namespace (bind-mounted under the shared
        /run/netns) is still there after an isolated build."""
        name = 'solum-ft-netkeep-%s' % uuid.uuid4().hex[:8]
        subprocess.run(['podman', 'run', '-d', '--name', name,
                        '--network', 'slirp4netns', fx.BASE_IMAGE,
                        'sleep', '300'],
                       check=True, capture_output=True, timeout=60)
        self.addCleanup(subprocess.run, ['podman', 'rm', '-f', '-t', '0',
                                         name], capture_output=True)
        sandbox = subprocess.run(
            ['podman', 'inspect', '--format',
             '{{.NetworkSettings.SandboxKey}}', name],
            check=True, capture_output=True, text=True).stdout.strip()
        self.assertTrue(sandbox.startswith('/run/netns/'), sandbox)
        self.assertIn(sandbox, _mount_points())
        self.listener = self.useFixture(Listener())
        self.conf.config(build_network='private', group='builder')
        app = self.dockerfile_app('netkeep', 'RUN echo %s' %
                                  uuid.uuid4().hex)
        wf, _logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.BUILT, wf['status'], wf['reason'])
        self.assertIn(sandbox, _mount_points())
        inspect = subprocess.run(
            ['podman', 'inspect', '--format', '{{.State.Running}}', name],
            capture_output=True, text=True)
        self.assertEqual(('true', ''), (inspect.stdout.strip(),
                                        inspect.stderr.strip()))

    def test_outbound_pip_install_works(self):
        try:
            socket.create_connection(('pypi.org', 443), 10).close()
        except OSError as e:
            self.skipTest('this machine has no outbound path to '
                          'pypi.org:443: %s' % e)
        repo, _sha = tb.make_repo(self.tmp, files={
            # A new requirements file: the pip layer is not cached.
            'requirements.txt': '# %s\nsix\n' % uuid.uuid4().hex,
            'app.py': 'import six\nprint(six.__version__)\n',
            'Procfile': 'web: python3 -m http.server $PORT\n'})
        app = self.create_app(name='pipnet', repo=repo)
        wf, logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.BUILT, wf['status'], wf['reason'])
        text = '\n'.join(x['message'] for x in logs)
        self.assertIn("the host's loopback is not reachable", text)
        self.assertIn('Successfully installed six', text)
        out = subprocess.run(
            ['podman', 'run', '--rm', '--network', 'none',
             wf['result']['image'], 'python', '/home/solum/app/app.py'],
            capture_output=True, text=True, timeout=60, check=True).stdout
        self.assertRegex(out.strip(), r'^\d+\.\d+')
        self.assert_torn_down(1)

    def test_nothing_left_after_failure_and_timeout(self):
        self.listener = self.useFixture(Listener())
        # Without a build cgroup: the namespace's own teardown kills the
        # daemon a step leaves behind.
        self.conf.config(build_cgroups=False, group='builder')
        app = self.dockerfile_app(
            'netfail', 'RUN echo %s && (setsid sleep 300 >/dev/null 2>&1 '
            '</dev/null &) && exit 3' % uuid.uuid4().hex)
        wf, _logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.ERROR, wf['status'])
        self.assertRegex(wf['reason'], r"^build step 'RUN echo .* exit 3' "
                                       r"failed$")
        self.assert_torn_down(1)
        self.conf.config(build_timeout=3, group='builder')
        app = self.dockerfile_app(
            'nettimeout', 'RUN echo %s && sleep 60' % uuid.uuid4().hex)
        started = time.monotonic()
        wf, _logs = self.run_workflow(app, actions=('build',))
        self.assertEqual(states.ERROR, wf['status'])
        self.assertEqual('build timed out after 3 s', wf['reason'])
        self.assertLess(time.monotonic() - started, 30)
        self.assert_torn_down(2)
