"""The host label of an installation's replicas (installation.py)."""

import os
import threading

from solum.deployer.local import installation
from solum.tests import base


class TestHostLabel(base.TestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(host='node-1')
        installation.reset()
        self.addCleanup(installation.reset)
        self.path = os.path.join(self.state_path, 'deployer-host-label')

    def stored(self):
        with open(self.path) as f:
            return f.read().strip()

    def test_the_option_wins(self):
        self.conf.config(host_label='mine', group='deployer')
        self.assertEqual('mine', installation.host_label())
        self.assertFalse(os.path.exists(self.path))

    def test_generated_once_and_kept(self):
        label = installation.host_label()
        self.assertRegex(label, r'^node-1-[0-9a-f]{8}$')
        self.assertEqual(label, self.stored())
        installation.reset()
        self.assertEqual(label, installation.host_label())

    def test_two_installations_differ(self):
        first = installation.host_label()
        other = os.path.join(self.state_path, 'other')
        self.conf.config(state_path=other)
        second = installation.host_label()
        self.assertNotEqual(first, second)
        self.assertTrue(second.startswith('node-1-'))
        self.assertTrue(os.path.exists(os.path.join(other,
                                                    'deployer-host-label')))

    def test_an_installation_from_before_keeps_the_bare_host(self):
        # Its router ran already: its replicas carry solum.host=node-1.
        os.makedirs(os.path.join(self.state_path, 'router'))
        self.assertEqual('node-1', installation.host_label())
        self.assertEqual('node-1', self.stored())
        # And it stays so.
        installation.reset()
        self.conf.config(host='renamed')
        self.assertEqual('node-1', installation.host_label())

    def test_a_new_installation_with_a_router_keeps_its_label(self):
        label = installation.host_label()
        os.makedirs(os.path.join(self.state_path, 'router'))
        installation.reset()
        self.assertEqual(label, installation.host_label())

    def test_processes_agree_on_one_label(self):
        labels = []
        barrier = threading.Barrier(8)

        def one():
            barrier.wait()
            labels.append(installation._stored_label())
        threads = [threading.Thread(target=one) for _i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(1, len(set(labels)), labels)
        self.assertEqual(labels[0], self.stored())

    def test_a_label_created_but_not_yet_written_is_waited_for(self):
        open(self.path, 'w').close()

        def write_soon():
            with open(self.path, 'w') as f:
                f.write('node-1-0badcafe\n')
        timer = threading.Timer(0.05, write_soon)
        timer.start()
        self.addCleanup(timer.cancel)
        self.assertEqual('node-1-0badcafe', installation._wait_written(
            self.path))

    def test_replicas_carry_it(self):
        from solum.deployer.local import replicas
        label = installation.host_label()
        self.assertEqual({'solum.managed': 'true', 'solum.host': label},
                         replicas.Replicas(None, None).labels())
