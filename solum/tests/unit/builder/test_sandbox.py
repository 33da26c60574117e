"""The build sandbox (solum.builder.sandbox): a build's network
namespace, its denied networks, and buildah.build run in it.

netns.BuildNetwork is faked here: no namespace is created.
"""

import ipaddress
import os
import textwrap

import fixtures

from solum.builder import buildah
from solum.builder import languagepacks
from solum.builder import netns
from solum.builder import process
from solum.builder import sandbox
from solum.tests import base


class FakeNet:
    instances = []

    def __init__(self, sandbox=True, deny=()):
        self.sandbox = sandbox
        self.deny = list(deny)
        self.stopped = 0
        FakeNet.instances.append(self)

    def start(self):
        return self

    def command(self, cmd):
        return ['nsenter', '--net=/proc/7/ns/net', '--'] + cmd

    def stop(self):
        self.stopped += 1


class TestSandboxBuildNetwork(base.TestCase):

    def setUp(self):
        super().setUp()
        FakeNet.instances = []
        self.lines = []
        self.availability = (True, None)
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netns.available', lambda: self.availability))
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netns.BuildNetwork', FakeNet))
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netns.sandbox', lambda: True))
        self.conf.config(build_network_deny=[], group='builder')
        self.nft = '/usr/sbin/nft'
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.sandbox.shutil.which',
            lambda name: self.nft if name == 'nft' else None))
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netfilter.host_addresses',
            lambda ip='ip': [ipaddress.ip_network('192.0.2.2')]))

    def test_denied_networks_are_loaded_and_named(self):
        self.conf.config(build_network_deny=['host', '169.254.0.0/16'],
                         group='builder')
        net = sandbox.build_network(self.lines.append)
        self.assertEqual(['169.254.0.0/16', '192.0.2.2/32'],
                         [str(n) for n in net.deny])
        self.assertIn("the host's loopback is not reachable, nor the "
                      "host's other addresses, 169.254.0.0/16; DNS",
                      self.lines[0])

    def test_without_nft_auto_builds_with_a_warning(self):
        self.conf.config(build_network_deny=['169.254.0.0/16'],
                         group='builder')
        self.nft = None
        net = sandbox.build_network(self.lines.append)
        self.assertEqual([], net.deny)
        self.assertEqual('warning: nft is not installed: [builder] '
                         'build_network_deny (169.254.0.0/16) cannot be '
                         'applied', self.lines[0])

    def test_without_nft_private_builds_fail(self):
        self.conf.config(build_network_deny=['169.254.0.0/16'],
                         build_network='private', group='builder')
        self.nft = None
        e = self.assertRaises(sandbox.SandboxError, sandbox.build_network,
                              self.lines.append)
        self.assertIn('nft is not installed', str(e))
        self.assertEqual([], FakeNet.instances)

    def test_an_invalid_deny_entry_fails_the_build(self):
        self.conf.config(build_network_deny=['10.0.0.0/8', 'intranet'],
                         group='builder')
        e = self.assertRaises(sandbox.SandboxError, sandbox.build_network,
                              self.lines.append)
        self.assertIn("'intranet' is neither \"host\" nor", str(e))
        self.assertEqual([], FakeNet.instances)

    def test_host_mode_probes_nothing(self):
        self.conf.config(build_network='host', group='builder')
        self.availability = None  # would fail if used
        self.assertIsNone(sandbox.build_network(self.lines.append))
        self.assertEqual([], self.lines)

    def test_auto_falls_back_with_the_reason(self):
        self.availability = (False, 'slirp4netns is not installed')
        self.assertIsNone(sandbox.build_network(self.lines.append))
        self.assertEqual(['building on the host network: slirp4netns is '
                          'not installed'], self.lines)

    def test_auto_falls_back_when_a_start_fails(self):
        def fail(net):
            raise netns.NetnsError('slirp4netns exited 1')
        self.useFixture(fixtures.MonkeyPatch(
            'solum.tests.unit.builder.test_sandbox.FakeNet.start', fail))
        self.assertIsNone(sandbox.build_network(self.lines.append))
        self.assertEqual(['building on the host network: slirp4netns '
                          'exited 1'], self.lines)

    def test_private_mode_fails_the_build(self):
        self.conf.config(build_network='private', group='builder')
        self.availability = (False, 'not running as root')
        e = self.assertRaises(sandbox.SandboxError, sandbox.build_network,
                              self.lines.append)
        self.assertEqual('cannot give the build a network of its own: not '
                         'running as root', str(e))

    def test_started_network_is_logged_with_loopback_warnings(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'https_proxy', 'http://127.0.0.1:3128'))
        net = sandbox.build_network(self.lines.append)
        self.assertIs(FakeNet.instances[0], net)
        self.assertIn('the host\'s loopback is not reachable', self.lines[0])
        self.assertEqual(['warning: https_proxy points at the host\'s '
                          'loopback, which the build cannot reach'],
                         self.lines[1:])

    def _build(self, run):
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.process.run', run))
        tmp = self.useFixture(fixtures.TempDir()).path
        src = os.path.join(tmp, 'src')
        os.mkdir(src)
        recipe = languagepacks.Recipe('python', containerfile=textwrap.dedent(
            '''\
            FROM localhost/solum/base-python:bookworm
            RUN true
            '''))
        return buildah.build(tmp, src, recipe, 'localhost/solum/p/a:1',
                             {'org.openstack.solum.project': 'p'},
                             self.lines.append)

    def test_build_runs_buildah_in_the_namespace_and_stops_it(self):
        calls = []

        def run(cmd, **kw):
            calls.append(cmd)
            iid = cmd[cmd.index('--iidfile') + 1]
            with open(iid, 'w') as f:
                f.write('sha256:abc\n')
            return process.Result(0, [], 0)
        self.assertEqual('abc', self._build(run))
        self.assertEqual(['nsenter', '--net=/proc/7/ns/net', '--',
                          'buildah', 'bud'], calls[0][:5])
        self.assertIn('--dns', calls[0])
        self.assertEqual(1, FakeNet.instances[0].stopped)

    def test_network_stopped_after_failure_and_timeout(self):
        def failed(cmd, **kw):
            raise process.CommandError('buildah exited 1', returncode=1,
                                       tail=['Error: building at STEP '
                                             '"RUN true": exit status 1'])

        def timed_out(cmd, **kw):
            raise process.CommandError('buildah timed out', returncode=-9,
                                       timed_out=True)
        self.assertRaises(buildah.BuildError, self._build, failed)
        e = self.assertRaises(buildah.BuildError, self._build, timed_out)
        self.assertEqual('build timed out after 600 s', str(e))
        self.assertEqual([1, 1], [n.stopped for n in FakeNet.instances])

    def test_host_network_build_is_not_wrapped(self):
        self.conf.config(build_network='host', group='builder')
        calls = []

        def run(cmd, **kw):
            calls.append(cmd)
            with open(cmd[cmd.index('--iidfile') + 1], 'w') as f:
                f.write('abc')
            return process.Result(0, [], 0)
        self._build(run)
        self.assertEqual('buildah', calls[0][0])
        self.assertNotIn('--dns', calls[0])
        self.assertEqual([], FakeNet.instances)
