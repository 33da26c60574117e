"""Build networks (solum.builder.netns).

No namespace is created here: unshare and slirp4netns are small fake
programs (real processes, real pipes), the namespace identity of
processes is faked, and only processes the tests start are ever
inspected or killed.
"""

import ipaddress
import os
import subprocess
import sys
import time
from unittest import mock

import fixtures

from solum.builder import netns
from solum.tests import base

FAKE_UNSHARE = '''\
import os, sys
if os.environ.get('FAKE_UNSHARE') == 'fail':
    sys.stderr.write('unshare: unshare failed: Operation not permitted\\n')
    sys.exit(1)
args = sys.argv[sys.argv.index('--') + 1:]
os.execvp(args[0], args)
'''

FAKE_SLIRP = '''\
import os, signal, sys, time
args = sys.argv[1:]
with open(os.environ['FAKE_SLIRP_ARGS'], 'w') as f:
    f.write('\\n'.join(args))
mode = os.environ.get('FAKE_SLIRP', 'ok')
ready = int(args[args.index('--ready-fd') + 1])
exit_fd = int(args[args.index('--exit-fd') + 1])
if mode == 'fail':
    print('open("/dev/net/tun", O_RDWR): No such device')
    sys.exit(1)
if mode == 'hang':
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    time.sleep(60)
os.write(ready, b'1')
os.close(ready)
if mode == 'stubborn':
    time.sleep(60)
os.read(exit_fd, 1)
'''


FAKE_NFT = '''\
import os, sys
# Records its ruleset and whether slirp4netns had started yet.
with open(os.environ['FAKE_NFT_LOG'], 'w') as f:
    f.write(str(os.path.exists(os.environ['FAKE_SLIRP_ARGS'])) + '\\n')
    f.write(sys.stdin.read())
if os.environ.get('FAKE_NFT') == 'fail':
    sys.stderr.write('Error: Could not process rule: Operation not '
                     'supported\\n')
    sys.exit(1)
'''


def _open_fds():
    return set(os.listdir('/proc/self/fd'))


class FakeTools(base.TestCase):
    """Fake unshare and slirp4netns; every pid in ``self.members`` (and
    only those) is "in the build namespace"."""

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.unshare = self._script(tmp, 'unshare', FAKE_UNSHARE)
        self.slirp = self._script(tmp, 'slirp4netns', FAKE_SLIRP)
        self.args_file = os.path.join(tmp, 'slirp-args')
        self.useFixture(fixtures.EnvironmentVariable('FAKE_SLIRP_ARGS',
                                                     self.args_file))
        self.members = []
        self.holder_ns = ('build',)
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netns.ns_id', self._ns_id))
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netns._pids', lambda: list(self.members)))
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netns.START_TIMEOUT', 5))
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netns.STOP_TIMEOUT', 2))

    def _script(self, tmp, name, text):
        path = os.path.join(tmp, name)
        with open(path, 'w') as f:
            f.write('#!%s\n%s' % (sys.executable, text))
        os.chmod(path, 0o700)
        return path

    def _ns_id(self, pid='self'):
        if pid == 'self':
            return ('host',)
        if int(pid) in self.members:
            with open('/proc/%s/stat' % pid) as f:
                if f.read().rsplit(')', 1)[1].split()[0] == 'Z':
                    # As the kernel: a zombie has no namespaces left.
                    raise FileNotFoundError(pid)
            return ('build',)
        return self.holder_ns

    def net(self, **kw):
        return netns.BuildNetwork(unshare=self.unshare, nsenter=self.unshare,
                                  slirp4netns=self.slirp, **kw)

    def mode(self, unshare='ok', slirp='ok'):
        self.useFixture(fixtures.EnvironmentVariable('FAKE_UNSHARE',
                                                     unshare))
        self.useFixture(fixtures.EnvironmentVariable('FAKE_SLIRP', slirp))

    def assert_torn_down(self, net):
        if net.holder is not None:
            self.assertIsNotNone(net.holder.poll())
        if net.slirp is not None:
            self.assertIsNotNone(net.slirp.poll())
        self.assertIsNone(net._hold_w)
        self.assertIsNone(net._exit_w)
        self.assertIsNone(net._output)


class TestCommands(base.TestCase):

    def test_slirp_command_disables_host_loopback(self):
        cmd = netns.BuildNetwork().slirp_command(42, 5, 6)
        self.assertEqual(['unshare', '--mount', '--propagation', 'private',
                          '--', 'slirp4netns', '--configure',
                          '--disable-host-loopback', '--mtu', '65520',
                          '--ready-fd', '5', '--exit-fd', '6',
                          '--enable-sandbox', '--enable-seccomp', '42',
                          'tap0'], cmd)
        cmd = netns.BuildNetwork(sandbox=False).slirp_command(42, 5, 6)
        self.assertEqual('slirp4netns', cmd[0])
        self.assertNotIn('--enable-sandbox', cmd)
        self.assertIn('--disable-host-loopback', cmd)

    def test_holder_and_wrapped_command(self):
        net = netns.BuildNetwork()
        self.assertEqual(['unshare', '--net', '--', 'cat'],
                         net.holder_command())

        class Holder:
            pid = 1234
        net.holder = Holder()
        self.assertEqual(['nsenter', '--net=/proc/1234/ns/net', '--',
                          'buildah', 'bud', '.'],
                         net.command(['buildah', 'bud', '.']))

    def test_loopback_settings(self):
        env = {'http_proxy': 'http://127.0.0.1:3128',
               'HTTPS_PROXY': 'http://proxy.example:3128',
               'all_proxy': 'socks5://[::1]:1080',
               'no_proxy': 'localhost,127.0.0.1',
               'PIP_INDEX_URL': 'http://localhost:3141/root/pypi/simple',
               'PIP_EXTRA_INDEX_URL': 'https://a.example/simple '
                                      'http://127.0.0.2/simple',
               'PIP_TRUSTED_HOST': 'localhost'}
        self.assertEqual(
            ['http_proxy', 'all_proxy', 'PIP_INDEX_URL',
             'PIP_EXTRA_INDEX_URL', 'PIP_TRUSTED_HOST'],
            netns.loopback_settings(env, ['PIP_INDEX_URL',
                                          'PIP_EXTRA_INDEX_URL',
                                          'PIP_TRUSTED_HOST',
                                          'http_proxy']))
        self.assertEqual([], netns.loopback_settings(
            {'https_proxy': 'http://10.0.0.1:3128'}))


class TestBuildNetwork(FakeTools):

    def test_start_and_stop(self):
        self.mode()
        before = _open_fds()
        net = self.net().start()
        self.assertIsNone(net.holder.poll())
        self.assertIsNone(net.slirp.poll())
        self.assertEqual(('build',), net.ns)
        with open(self.args_file) as f:
            args = f.read().split('\n')
        self.assertIn('--disable-host-loopback', args)
        self.assertEqual([str(net.holder.pid), 'tap0'], args[-2:])
        net.stop()
        self.assert_torn_down(net)
        self.assertEqual(0, net.slirp.returncode)  # exited on --exit-fd
        self.assertEqual(before, _open_fds())
        net.stop()  # idempotent

    def test_denied_networks_are_refused_before_slirp_starts(self):
        self.mode()
        tmp = self.useFixture(fixtures.TempDir()).path
        nft = self._script(tmp, 'nft', FAKE_NFT)
        log = os.path.join(tmp, 'nft-log')
        self.useFixture(fixtures.EnvironmentVariable('FAKE_NFT_LOG', log))
        deny = [ipaddress.ip_network('169.254.0.0/16')]
        with self.net(deny=deny, nft=nft):
            with open(log) as f:
                slirp_started, ruleset = f.read().split('\n', 1)
        self.assertEqual('False', slirp_started)
        self.assertIn('ip daddr { 169.254.0.0/16 } reject', ruleset)
        # Nothing to refuse: nft is not run at all.
        os.unlink(log)
        with self.net(nft=nft):
            self.assertFalse(os.path.exists(log))

    def test_a_filter_that_cannot_load_fails_the_start(self):
        self.mode()
        tmp = self.useFixture(fixtures.TempDir()).path
        nft = self._script(tmp, 'nft', FAKE_NFT)
        self.useFixture(fixtures.EnvironmentVariable(
            'FAKE_NFT_LOG', os.path.join(tmp, 'nft-log')))
        self.useFixture(fixtures.EnvironmentVariable('FAKE_NFT', 'fail'))
        net = self.net(deny=[ipaddress.ip_network('192.0.2.2')], nft=nft)
        e = self.assertRaises(netns.NetnsError, net.start)
        self.assertEqual('cannot refuse 192.0.2.2/32 in the build network: '
                         '%s exited 1: Error: Could not process rule: '
                         'Operation not supported' % nft, str(e))
        self.assert_torn_down(net)
        self.assertIsNone(net.slirp)

    def test_context_manager(self):
        self.mode()
        with self.net() as net:
            self.assertIsNone(net.slirp.poll())
        self.assert_torn_down(net)

    def test_leftover_processes_are_killed(self):
        self.mode()
        net = self.net().start()
        daemon = subprocess.Popen(['sleep', '60'], start_new_session=True)
        self.addCleanup(daemon.kill)
        self.members.append(daemon.pid)
        self.assertEqual([daemon.pid], net.processes())
        # The holder is in the namespace too, and is spared: the
        # namespace goes with it.
        self.members.append(net.holder.pid)
        started = time.monotonic()
        net.kill_leftovers()
        self.assertEqual(-9, daemon.wait(5))
        self.assertIsNone(net.holder.poll())
        net.stop()
        self.assertLess(time.monotonic() - started, 2)
        self.assert_torn_down(net)

    def test_slirp_failure_says_why(self):
        self.mode(slirp='fail')
        before = _open_fds()
        net = self.net()
        e = self.assertRaises(netns.NetnsError, net.start)
        self.assertEqual('slirp4netns exited 1: open("/dev/net/tun", '
                         'O_RDWR): No such device', str(e))
        self.assert_torn_down(net)
        self.assertEqual(before, _open_fds())

    def test_slirp_that_never_gets_ready_is_killed(self):
        self.mode(slirp='hang')
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netns.START_TIMEOUT', 0.3))
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netns.STOP_TIMEOUT', 0.3))
        net = self.net()
        e = self.assertRaises(netns.NetnsError, net.start)
        self.assertEqual('slirp4netns did not configure the network in '
                         '0.3 s', str(e))
        self.assert_torn_down(net)
        self.assertEqual(-9, net.slirp.returncode)

    def test_slirp_ignoring_its_exit_fd_is_killed(self):
        self.mode(slirp='stubborn')
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netns.STOP_TIMEOUT', 0.3))
        net = self.net().start()
        net.stop()
        self.assertEqual(-9, net.slirp.returncode)
        self.assert_torn_down(net)

    def test_unshare_failure_says_why(self):
        self.mode(unshare='fail')
        self.holder_ns = ('host',)
        net = self.net()
        e = self.assertRaises(netns.NetnsError, net.start)
        self.assertEqual('unshare --net exited 1: unshare: unshare failed: '
                         'Operation not permitted', str(e))
        self.assertIsNone(net.slirp)
        self.assert_torn_down(net)

    def test_namespace_that_never_appears(self):
        self.mode()
        self.holder_ns = ('host',)
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netns.START_TIMEOUT', 0.2))
        net = self.net()
        e = self.assertRaises(netns.NetnsError, net.start)
        self.assertEqual('unshare --net made no namespace in 0.2 s', str(e))
        self.assert_torn_down(net)

    def test_missing_program(self):
        net = netns.BuildNetwork(unshare='/nonexistent/unshare')
        e = self.assertRaises(netns.NetnsError, net.start)
        self.assertIn('cannot run /nonexistent/unshare', str(e))
        self.assert_torn_down(net)


class TestAvailable(base.TestCase):

    def setUp(self):
        super().setUp()
        netns.reset()
        self.addCleanup(netns.reset)
        self.started = []

        def start(net):
            self.started.append(net.sandbox)
            if net.sandbox in self.failing:
                raise netns.NetnsError('slirp4netns exited 1: seccomp')
            return net
        self.failing = ()
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netns.BuildNetwork.start', start))
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netns.BuildNetwork.stop', lambda net: None))
        self.useFixture(fixtures.MonkeyPatch('os.geteuid', lambda: 0))
        self.useFixture(fixtures.MonkeyPatch(
            'shutil.which', lambda name: '/usr/bin/' + name))
        self.useFixture(fixtures.MonkeyPatch(
            'os.path.exists', lambda path: True))

    def test_available_probed_once(self):
        self.assertEqual((True, None), netns.available())
        self.assertEqual((True, None), netns.available())
        self.assertEqual([True], self.started)
        self.assertTrue(netns.sandbox())

    def test_without_sandbox_when_it_fails(self):
        self.failing = (True,)
        self.assertEqual((True, None), netns.available())
        self.assertEqual([True, False], self.started)
        self.assertFalse(netns.sandbox())

    def test_probe_failure(self):
        self.failing = (True, False)
        self.assertEqual((False, 'slirp4netns exited 1: seccomp'),
                         netns.available())

    def test_not_root(self):
        self.useFixture(fixtures.MonkeyPatch('os.geteuid', lambda: 1000))
        self.assertEqual((False, 'not running as root (unshare --net '
                                 'needs it)'), netns.available())
        self.assertEqual([], self.started)

    def test_no_slirp4netns(self):
        self.useFixture(fixtures.MonkeyPatch(
            'shutil.which',
            lambda name: None if name == 'slirp4netns' else '/bin/' + name))
        self.assertEqual((False, 'slirp4netns is not installed'),
                         netns.available())


class TestReap(base.TestCase):

    def test_reaped_at_its_exit_not_at_a_later_poll(self):
        # Popen.wait(timeout) polls with time.sleep at doubling intervals
        # up to 50 ms; woken by the pidfd, _reap never sleeps. (No timing
        # bound: a loaded machine delays any wake-up.)
        def child():
            return subprocess.Popen([sys.executable, '-c',
                                     'import time; time.sleep(0.2)'])
        polled = AssertionError('polled')
        proc = child()
        with mock.patch('time.sleep', side_effect=polled):
            netns._reap(proc, timeout=5)
        self.assertEqual(0, proc.returncode)
        # The control: a plain Popen.wait does poll.
        proc = child()
        with mock.patch('time.sleep', side_effect=polled):
            self.assertRaises(AssertionError, proc.wait, 5)
        proc.wait()

    def test_one_that_does_not_exit_is_killed(self):
        proc = subprocess.Popen([sys.executable, '-c',
                                 'import time; time.sleep(60)'])
        started = time.monotonic()
        netns._reap(proc, timeout=0.2)
        self.assertEqual(-9, proc.returncode)
        self.assertLess(time.monotonic() - started, 2)

    def test_without_pidfds_it_polls(self):
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netns.os.pidfd_open',
            lambda pid: (_ for _ in ()).throw(OSError(38, 'ENOSYS'))))
        proc = subprocess.Popen([sys.executable, '-c', 'pass'])
        netns._reap(proc, timeout=5)
        self.assertEqual(0, proc.returncode)
        proc = subprocess.Popen([sys.executable, '-c',
                                 'import time; time.sleep(60)'])
        netns._reap(proc, timeout=0.1)
        self.assertEqual(-9, proc.returncode)

    def test_an_already_reaped_one(self):
        proc = subprocess.Popen([sys.executable, '-c', 'pass'])
        proc.wait()
        netns._reap(proc)
        self.assertEqual(0, proc.returncode)
