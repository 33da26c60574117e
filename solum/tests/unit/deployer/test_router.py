"""The router: HAProxy's runtime API and ``show stat`` (router.py), on
a fake admin socket."""

import os
import socket
import subprocess
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

    def test_a_deploy_drains_the_old_release_as_the_new_one_joins(self):
        self.router.ensure_backend(_backend())
        self.router.add_servers('app_1', [('r1', 4001, None, None)])
        del self.fake.commands[:]
        self.router.ensure_backend(_backend(), [('r2', 4002, None, None)],
                                   drain=['r1', 'gone'])
        self.assertEqual([
            'set server app_1/s2 addr 127.0.0.1 port 4002',
            'set server app_1/s2 state ready',
            'set server app_1/s2 health up',
            'set server app_1/s1 state drain'], self.fake.commands)
        self.assertEqual('drain',
                         self.router.backends['app_1'].servers['r1'][
                             'state'])
        # Already drained: not again when it leaves.
        self.sessions = []
        self.router.remove_servers('app_1', ['r1'], drain_timeout=5)
        self.assertEqual(['show stat', 'set server app_1/s1 state maint',
                          'shutdown sessions server app_1/s1'],
                         self.fake.commands[4:])
        # A failed deploy: serving again.
        self.router.add_servers('app_1', [], ready=['r2'])
        self.assertEqual('set server app_1/s2 state ready',
                         self.fake.commands[-1])

    def test_drained_with_a_reload_when_the_new_ones_need_one(self):
        self.router.ensure_backend(_backend())
        self.router.add_servers('app_1', [('r1', 4001, None, None)])
        self.router.add_servers('app_1', [('r2', 4002, 'netns-b', 8080)],
                                drain=['r1'])
        self.assertEqual({'r1': 'drain', 'r2': 'ready'},
                         {n: s['state'] for n, s in
                          self.reloads[-1]['app_1'].items()})

    def test_old_processes_are_waited_for_before_a_server_leaves(self):
        # A process replaced by a reload may still route a keep-alive
        # client's next request to the replica: it must not go before.
        self.router.ensure_backend(_backend())
        self.router.add_servers('app_1', [('r1', 4001, None, None)])
        self.sessions = []
        self.router._replaced = {111, 222}
        alive = {111: [True, True, False], 222: [True, False]}
        self.router._is_haproxy = lambda pid: alive[pid].pop(0) \
            if alive[pid] else False
        del self.fake.commands[:]
        self.router.remove_servers('app_1', ['r1'], drain_timeout=5)
        self.assertEqual(['set server app_1/s1 state drain'] +
                         ['show stat'] * 3 +
                         ['set server app_1/s1 state maint',
                          'shutdown sessions server app_1/s1'],
                         self.fake.commands)
        self.assertEqual(set(), self.router._replaced)

    def test_before_a_reload_the_running_process_uses_published_ports(self):
        # The running HAProxy: r1 inside its namespace in slot 1, two
        # slots. The new configuration: r2 (slot 2) joins, r1 drained;
        # r3 in slot 3 the running process does not have.
        self.router.ensure_backend(_backend())
        self.router._netns_slots = {('app_1', 1)}
        self.router._running_slots = {'app_1': 2}
        servers = self.router.backends['app_1'].servers
        servers.update({
            'r1': {'port': 4001, 'state': 'drain', 'slot': 1,
                   'netns': 'netns-a', 'target_port': 8080},
            'r2': {'port': 4002, 'state': 'ready', 'slot': 2,
                   'netns': 'netns-b', 'target_port': 8080},
            'r3': {'port': 4003, 'state': 'ready', 'slot': 3,
                   'netns': 'netns-c', 'target_port': 8080}})
        self.router._hand_over()
        self.assertEqual([';'.join([
            'set server app_1/p1 addr 127.0.0.1 port 4001',
            'set server app_1/p1 state drain',
            'set server app_1/p1 health up',
            'set server app_1/p2 addr 127.0.0.1 port 4002',
            'set server app_1/p2 state ready',
            'set server app_1/p2 health up',
            'set server app_1/s1 state maint'])], self.fake.commands)
        self.router._hand_over(back=True)
        self.assertEqual(';'.join([
            'set server app_1/p1 state maint',
            'set server app_1/p2 state maint',
            'set server app_1/s1 state ready']), self.fake.commands[-1])

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


# What HAProxy 2.6 prints when a server's namespace is gone.
NO_NETNS = (
    "[NOTICE]   (22592) : haproxy version is 2.6.12-1+deb12u4\n"
    "[NOTICE]   (22592) : path to executable is /usr/sbin/haproxy\n"
    "[ALERT]    (22592) : config : [/r/haproxy.cfg.new:61] : "
    "'server app_1/s2' : Cannot open namespace '%s'.\n"
    "[ALERT]    (22592) : config : Error(s) found in configuration file "
    ": /r/haproxy.cfg.new\n"
    "[ALERT]    (22592) : config : Fatal errors found in configuration.\n")


class TestFirstAlert(base.TestCase):

    def test_the_first_alert_without_level_and_pid(self):
        self.assertEqual(
            "config : [/r/haproxy.cfg.new:61] : 'server app_1/s2' : "
            "Cannot open namespace 'netns-b'.",
            router.first_alert(NO_NETNS % 'netns-b'))

    def test_no_alert_the_last_line(self):
        self.assertEqual('bind: Address in use',
                         router.first_alert('starting\nbind: Address in use'
                                            '\n\n'))
        self.assertEqual('no output', router.first_alert(''))
        self.assertEqual(300, len(router.first_alert('[ALERT] ' + 'x' * 999)))


class FakeHAProxy:
    """Stands in for the haproxy executable: ``checks`` are the outputs of
    the next ``-c`` runs (None: valid), every start succeeds."""

    def __init__(self, checks=()):
        self.checks = list(checks)
        self.configs = []
        self.starts = 0

    def __call__(self, args):
        if args[0] == '-c':
            with open(args[2]) as f:
                self.configs.append(f.read())
            out = self.checks.pop(0) if self.checks else None
            return subprocess.CompletedProcess(args, 1 if out else 0,
                                               '', out or '')
        self.starts += 1
        return subprocess.CompletedProcess(args, 0, '', '')


class TestVanishedNamespaces(base.TestCase):
    """A server whose network namespace is gone never makes the router
    refuse its configuration (for every app)."""

    def setUp(self):
        super().setUp()
        self.netns_dir = os.path.join(self.state_path, 'netns')
        os.makedirs(self.netns_dir)
        self.patch(router.router_config, 'NETNS_DIR', self.netns_dir)
        self.router = router.Router(
            state_dir=os.path.join(self.state_path, 'router'))
        os.makedirs(self.router.state_dir)
        self.router._wait_ready = lambda old: None
        backend = _backend()
        for name, slot in (('a', 1), ('b', 2)):
            backend.servers[name] = {'port': 4000 + slot, 'state': 'ready',
                                     'slot': slot, 'netns': 'netns-' + name,
                                     'target_port': 8080}
        self.router.backends['app_1'] = backend
        self.router.backends['app_2'] = _backend('app_2', {
            'c': {'port': 4009, 'state': 'ready', 'slot': 1}})

    def netns(self, *names):
        for name in names:
            open(os.path.join(self.netns_dir, name), 'w').close()

    def test_vanished_namespaces(self):
        self.netns('netns-a')
        self.assertEqual({'netns-b'},
                         router.router_config.vanished_netns(
                             self.router.backends))

    def test_a_server_in_a_vanished_namespace_is_left_out(self):
        self.netns('netns-a')
        self.router._haproxy = haproxy = FakeHAProxy()
        self.router._write_and_reload()
        self.assertEqual(1, haproxy.starts)
        self.assertIn('namespace netns-a ', haproxy.configs[0])
        self.assertNotIn('netns-b', haproxy.configs[0])
        self.assertEqual(['a'], list(self.router.backends['app_1'].servers))
        self.assertEqual(['c'], list(self.router.backends['app_2'].servers))
        self.assertEqual({('app_1', 1)}, self.router._netns_slots)
        self.assertEqual({'app_1': 16, 'app_2': 16},
                         self.router._running_slots)

    def test_a_namespace_gone_in_between_is_left_out_and_retried(self):
        # Both exist when looked at; HAProxy cannot open one of them.
        self.netns('netns-a', 'netns-b')
        self.router._haproxy = haproxy = FakeHAProxy([NO_NETNS % 'netns-b'])
        self.router._write_and_reload()
        self.assertEqual(2, len(haproxy.configs))
        self.assertIn('netns-b', haproxy.configs[0])
        self.assertNotIn('netns-b', haproxy.configs[1])
        self.assertEqual(1, haproxy.starts)
        self.assertEqual(['a'], list(self.router.backends['app_1'].servers))

    def test_retries_are_bounded_and_the_reason_is_one_line(self):
        self.netns('netns-a', 'netns-b')
        self.router._haproxy = haproxy = FakeHAProxy(
            [NO_NETNS % 'netns-b', NO_NETNS % 'netns-a', NO_NETNS % 'x'])
        e = self.assertRaises(router.RouterError,
                              self.router._write_and_reload)
        self.assertEqual(router.RELOAD_ATTEMPTS, len(haproxy.configs))
        self.assertEqual(0, haproxy.starts)
        self.assertEqual(
            "invalid router configuration: config : "
            "[/r/haproxy.cfg.new:61] : 'server app_1/s2' : Cannot open "
            "namespace 'x'.", str(e))
        self.assertNotIn('\n', str(e))

    def test_another_error_is_not_retried(self):
        self.netns('netns-a', 'netns-b')
        self.router._haproxy = haproxy = FakeHAProxy([
            '[ALERT]    (1) : config : parsing [x:3] : unknown keyword\n'
            '[ALERT]    (1) : config : Fatal errors found.\n'])
        e = self.assertRaises(router.RouterError,
                              self.router._write_and_reload)
        self.assertEqual(1, len(haproxy.configs))
        self.assertEqual('invalid router configuration: config : parsing '
                         '[x:3] : unknown keyword', str(e))
        self.assertEqual(['a', 'b'],
                         list(self.router.backends['app_1'].servers))
