"""The podman CLI wrapper of the local driver (podman.py)."""

import types

from solum.deployer.local import podman
from solum.tests import base


class TestPodmanWrapper(base.TestCase):
    """The wrapper's commands: argument lists, output parsed."""

    def setUp(self):
        super().setUp()
        self.argvs = []
        self.outputs = []
        self.patch(podman.subprocess, 'run', self._run)
        self.podman = podman.Podman(executable='podman')

    def _run(self, argv, **kwargs):
        self.argvs.append(argv)
        rc, out = self.outputs.pop(0)
        return types.SimpleNamespace(returncode=rc, stdout=out, stderr='')

    def test_netns_of_several_containers_in_one_inspect(self):
        # One container gone: podman exits 125 but prints the others.
        self.outputs = [(125, 'r1 /run/netns/netns-aaa\n'
                              'r3 /run/netns/../../etc\n'
                              'r4 \n')]
        self.assertEqual({'r1': 'netns-aaa'},
                         self.podman.netns(['r1', 'r2', 'r3', 'r4']))
        self.assertEqual(['podman', 'inspect', '--format',
                          '{{.Name}} {{.NetworkSettings.SandboxKey}}', '--',
                          'r1', 'r2', 'r3', 'r4'], self.argvs[0])
        self.assertEqual({}, self.podman.netns([]))
        self.assertEqual(1, len(self.argvs))
