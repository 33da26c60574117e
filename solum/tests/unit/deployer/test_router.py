"""The router: HAProxy's runtime API and ``show stat`` (router.py), on
a fake admin socket."""

import os
import socket
import tempfile
import threading

from solum.deployer.local import router
from solum.tests import base
from solum.tests.unit.deployer import local_fakes as fakes

_backend = fakes.router_backend


class FakeHAProxySocket(threading.Thread):
    """A unix socket answering runtime API commands like HAProxy 2.6."""

    def __init__(self, path, answers=None):
        super().__init__(daemon=True)
        self.path = path
        self.answers = answers or {}
        self.commands = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(16)

    def run(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            with conn:
                line = conn.makefile().readline().strip()
                self.commands.append(line)
                verb = ' '.join(line.split()[:2])
                answer = self.answers.get(verb, '')
                if callable(answer):
                    answer = answer(line)
                conn.sendall(answer.encode() + b'\n')

    def close(self):
        self.sock.close()


STAT = ('# pxname,svname,scur,status,stot\n'
        'app_1,FRONTEND,0,OPEN,5\n'
        'app_1,s1,0,UP,3\n'
        'app_1,s2,%d,DRAIN,2\n'
        'app_1,s3,0,MAINT,0\n'
        'app_1,BACKEND,0,UP,5\n')


class TestParseStat(base.TestCase):

    def test_rows_by_column(self):
        rows = router.parse_stat(STAT % 1)
        self.assertEqual(['FRONTEND', 's1', 's2', 's3', 'BACKEND'],
                         [r['svname'] for r in rows])
        self.assertEqual({'pxname': 'app_1', 'svname': 's2', 'scur': '1',
                          'status': 'DRAIN', 'stot': '2'}, rows[2])

    def test_no_output_no_rows(self):
        self.assertEqual([], router.parse_stat(''))
        self.assertEqual([], router.parse_stat('\n'))

    def test_no_haproxy_no_stats(self):
        r = router.Router(state_dir=os.path.join(self.state_path, 'none'))
        r.backends['app_1'] = _backend()
        self.assertEqual({}, r.backend_stats('app_1'))
        self.assertEqual({}, r.server_stats('app_1'))


class TestRuntimeAPI(base.TestCase):

    def setUp(self):
        super().setUp()
        self.conf.config(router_slots=2, group='deployer')
        # Unix socket paths must be short: not under the test's state_path.
        self.dir = tempfile.mkdtemp(prefix='rt', dir='/tmp')
        self.addCleanup(os.rmdir, self.dir)
        self.router = router.Router(state_dir=self.dir)
        self.reloads = []
        self.router._write_and_reload = lambda: self.reloads.append(
            {k: {n: dict(s) for n, s in v.servers.items()}
             for k, v in self.router.backends.items()})
        self.sessions = [2, 1, 0]
        self.fake = FakeHAProxySocket(self.router.socket_path, {
            'set server': lambda line: (
                'No such server.' if 'app_9' in line else ''),
            'show stat': lambda _l: STAT % (self.sessions.pop(0)
                                            if self.sessions else 0),
        })
        self.fake.start()
        self.addCleanup(os.unlink, self.router.socket_path)
        self.addCleanup(self.fake.close)

    def test_replicas_take_and_leave_slots_without_reload(self):
        self.assertTrue(self.router.ensure_backend(_backend()))
        self.assertFalse(self.router.ensure_backend(_backend()))
        self.assertEqual(1, len(self.reloads))
        self.router.add_servers('app_1', [('r1', 4001, None, None)])
        self.router.add_servers('app_1', [('r2', 4002, None, None)])
        self.router.remove_server('app_1', 'r2', drain_timeout=5)
        self.assertEqual(1, len(self.reloads))
        self.assertEqual([
            'set server app_1/s1 addr 127.0.0.1 port 4001',
            'set server app_1/s1 state ready',
            'set server app_1/s1 health up',
            'set server app_1/s2 addr 127.0.0.1 port 4002',
            'set server app_1/s2 state ready',
            'set server app_1/s2 health up',
            'set server app_1/s2 state drain',
            'show stat', 'show stat', 'show stat',
            'set server app_1/s2 state maint',
            'shutdown sessions server app_1/s2'], self.fake.commands)
        self.assertEqual(['r1'], list(self.router.backends['app_1'].servers))
        # The freed slot is taken again.
        self.router.add_servers('app_1', [('r3', 4003, None, None)])
        self.assertEqual(2, self.router.backends['app_1'].servers['r3'][
            'slot'])

    def test_a_new_backend_and_its_replicas_take_one_reload(self):
        self.assertTrue(self.router.ensure_backend(
            _backend(), [('r1', 4001, 'netns-a', 8080)]))
        self.assertEqual(1, len(self.reloads))
        self.assertEqual({'r1': {'port': 4001, 'state': 'ready', 'slot': 1,
                                 'netns': 'netns-a', 'target_port': 8080}},
                         self.reloads[0]['app_1'])
        # The same route again: the replica joins through the runtime API.
        self.assertFalse(self.router.ensure_backend(
            _backend(), [('r2', 4002, None, None)]))
        self.assertEqual(1, len(self.reloads))
        self.assertIn('set server app_1/s2 addr 127.0.0.1 port 4002',
                      self.fake.commands)

    def test_a_full_backend_grows_with_one_reload(self):
        self.router.ensure_backend(_backend())
        for i in range(3):
            self.router.add_servers('app_1', [('r%d' % i, 4000 + i, None,
                                                None)])
        self.assertEqual(2, len(self.reloads))
        self.assertEqual(4, self.router.backends['app_1'].slots)
        self.assertEqual({1, 2, 3}, {s['slot'] for s in
                                     self.reloads[-1]['app_1'].values()})

    def test_failed_runtime_change_falls_back_to_a_reload(self):
        self.router.ensure_backend(_backend(name='app_9'))
        self.router.add_servers('app_9', [('r1', 4001, None, None)])
        self.assertEqual({'app_9': {'r1': {'port': 4001, 'state': 'ready',
                                           'slot': 1}}},
                         self.reloads[-1])

    def test_changed_route_reloads_and_keeps_servers(self):
        self.router.ensure_backend(_backend())
        self.router.add_servers('app_1', [('r1', 4001, None, None)])
        changed = _backend()
        changed.health_path = '/other'
        self.assertTrue(self.router.ensure_backend(changed))
        self.assertEqual(['r1'], list(self.reloads[-1]['app_1']))
        self.router.remove_backend('app_1')
        self.assertEqual({}, self.router.backends)

    def test_replicas_in_namespaces_are_added_with_one_reload(self):
        self.router.ensure_backend(_backend())
        self.router.add_servers('app_1', [('r1', 4001, 'netns-a', 8080),
                                          ('r2', 4002, 'netns-b', 8080)])
        self.assertEqual(2, len(self.reloads))
        self.assertEqual({'r1': {'port': 4001, 'state': 'ready', 'slot': 1,
                                 'netns': 'netns-a', 'target_port': 8080},
                          'r2': {'port': 4002, 'state': 'ready', 'slot': 2,
                                 'netns': 'netns-b', 'target_port': 8080}},
                         self.reloads[-1]['app_1'])
        self.assertEqual([], self.fake.commands)
        self.assertRaises(ValueError, self.router.add_servers, 'app_1',
                          [('r3', 4003, 'x y', 8080)])

    def test_a_slot_left_in_a_namespace_is_reused_with_a_reload(self):
        self.router.ensure_backend(_backend())
        # What the running HAProxy was started with.
        self.router._netns_slots = {('app_1', 1)}
        self.router.add_servers('app_1', [('r1', 4001, None, None)])
        self.assertEqual(2, len(self.reloads))
        self.assertEqual([], self.fake.commands)

    def test_server_stats_by_replica_name(self):
        self.router.ensure_backend(_backend())
        self.router.add_servers('app_1', [('r1', 4001, None, None)])
        self.router.add_servers('app_1', [('r2', 4002, None, None)])
        stats = self.router.server_stats('app_1')
        self.assertEqual(['r1', 'r2'], sorted(stats))
        self.assertEqual('DRAIN', stats['r2']['status'])

    def test_backend_stats_is_the_backend_row(self):
        self.router.ensure_backend(_backend())
        self.assertEqual({'pxname': 'app_1', 'svname': 'BACKEND',
                          'scur': '0', 'status': 'UP', 'stot': '5'},
                         self.router.backend_stats('app_1'))
        self.assertEqual({}, self.router.backend_stats('app_2'))
