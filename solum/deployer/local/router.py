"""The router of the local driver: one HAProxy process, configured from a
model of backends and servers kept here.

Each app's backend has pre-allocated server slots (``s1`` .. ``sN``, in
maintenance while free). Replicas take and leave slots through HAProxy's
runtime API (``set server ... addr``, ``state ready``, ``state drain``,
``state maint``), so scaling and deploys need no reload; the
configuration is rewritten and HAProxy reloaded seamlessly (``-x`` hands
the listening sockets over, ``-sf`` lets the old process finish its
requests) only when a backend is added, removed or needs more slots. The
rendered configuration always holds the current assignment, so a reload
keeps it.

HAProxy reaches a replica inside the replica's network namespace
(``namespace``, at the container's own port; ``[deployer] router_netns``)
rather than through the port Podman publishes on loopback: that port is
served by a userspace forwarder (rootlessport) that cost more CPU per
request than HAProxy itself. The runtime API cannot set a server's
namespace, so such replicas are added with one (seamless) reload.

Slots rather than HAProxy 2.6's dynamic servers (``add server``): those
ignore ``default-server`` and, measured here, served a keep-alive load
at a fifth of the rate of configured servers (no idle connection reuse:
a new server connection per request).
"""

import os
import re
import socket
import subprocess
import threading
import time

from oslo_log import log as logging

from solum import conf

CONF = conf.CONF
LOG = logging.getLogger(__name__)

_SAFE = re.compile(r'[A-Za-z0-9_.:-]+')


class RouterError(Exception):
    pass


class Backend:
    def __init__(self, name, host, path_prefix, health_path='/'):
        for value in (name, host):
            if not _SAFE.fullmatch(value):
                raise ValueError('unsafe name for the router: %r' % value)
        if not re.fullmatch(r'/[A-Za-z0-9_.~/-]*', path_prefix) or \
                not re.fullmatch(r'/[A-Za-z0-9_.~/?=&%-]*', health_path):
            raise ValueError('unsafe path for the router')
        self.name = name
        self.host = host.lower()
        self.path_prefix = path_prefix.rstrip('/')
        self.health_path = health_path
        # replica name -> {'port': int, 'state': 'ready'|'drain',
        #                  'slot': int}
        self.servers = {}
        self.slots = CONF.deployer.router_slots

    def free_slot(self):
        used = {s['slot'] for s in self.servers.values()}
        for slot in range(1, self.slots + 1):
            if slot not in used:
                return slot
        return None

    def place(self, name, port, netns=None, target_port=None):
        """Give replica ``name`` a free slot, doubling the slots when none
        is left; returns (slot, whether the slots grew: a reload). With
        ``netns`` it is reached inside that namespace at
        ``target_port``."""
        if netns is not None and not _SAFE.fullmatch(netns):
            raise ValueError('unsafe namespace for the router: %r' % netns)
        slot, grew = self.free_slot(), False
        if slot is None:
            # More slots: a reload, rare (deploys of big apps).
            self.slots *= 2
            slot, grew = self.free_slot(), True
        server = {'port': port, 'state': 'ready', 'slot': slot}
        if netns:
            server.update(netns=netns, target_port=target_port)
        self.servers[name] = server
        return slot, grew

    def slot_names(self):
        """HAProxy server name -> replica name."""
        return {'s%d' % s['slot']: name for name, s in self.servers.items()}

    def same_route(self, other):
        return (self.host, self.path_prefix, self.health_path) == (
            other.host, other.path_prefix, other.health_path)


def render(backends, bind_host, bind_port, socket_path, threads=None):
    """The whole HAProxy configuration for these backends."""
    threads = threads or CONF.deployer.router_threads
    lines = [
        '# Written by the Solum deployer; changes here are overwritten.',
        'global',
        '    nbthread %d' % threads,
        '    stats socket %s mode 600 level admin expose-fd listeners' %
        socket_path,
        '    stats timeout 30s',
        '    maxconn 4096',
        # Scale-outs reload: a process left by a reload ends when its last
        # connection does, or after this, not whenever a client lets go.
        '    hard-stop-after 5m',
        '',
        'defaults',
        '    mode http',
        '    timeout connect 2s',
        '    timeout client 60s',
        '    timeout server 60s',
        '    timeout queue 10s',
        '    timeout http-request 10s',
        '    timeout http-keep-alive 10s',
        '    option redispatch 1',
        '    retries 3',
        '    retry-on conn-failure empty-response',
        # Replicas are Solum's own: any idle server connection may carry
        # any client's next request.
        '    http-reuse always',
        # On a reload the old process answers the next request of each
        # idle keep-alive client (with Connection: close) instead of
        # closing under it: a request sent at that moment is not lost.
        '    option idle-close-on-response',
        # A check answered late on a loaded machine is not a dead replica:
        # three missed checks, each allowed 3 s, before one is DOWN (a
        # crashed one refuses connections at once and is replaced anyway).
        '    timeout check 3s',
        '    default-server inter 1s fastinter 500ms downinter 1s fall 3 '
        'rise 1',
        '',
        'frontend router',
        '    bind %s:%d' % (bind_host, bind_port),
        '    option forwardfor',
        '    http-request set-header X-Forwarded-Proto http',
    ]
    ordered = sorted(backends.values(), key=lambda b: b.name)
    for b in ordered:
        lines += [
            '    acl path_%s path_beg %s/' % (b.name, b.path_prefix),
            '    acl bare_%s path %s' % (b.name, b.path_prefix),
            '    acl host_%s req.hdr(host),field(1,:),lower -m str %s' % (
                b.name, b.host),
            '    http-request redirect code 301 location %s/ if bare_%s' % (
                b.path_prefix, b.name),
            '    use_backend %s if path_%s' % (b.name, b.name),
            '    use_backend %s if host_%s' % (b.name, b.name),
        ]
    lines += [
        '    default_backend no_app',
        '',
        'backend no_app',
        '    http-request return status 404 content-type text/plain '
        'string "No app is served here.\\n"',
    ]
    for b in ordered:
        lines += [
            '',
            'backend %s' % b.name,
            '    balance roundrobin',
            '    option httpchk',
            '    http-check send meth GET uri %s ver HTTP/1.1 hdr Host %s' % (
                b.health_path, b.host),
            '    http-check expect status 200-399',
            '    http-request replace-path ^%s/(.*)$ /\\1 '
            'if { path_beg %s/ }' % (re.escape(b.path_prefix),
                                     b.path_prefix),
        ]
        by_slot = {srv['slot']: srv for srv in b.servers.values()}
        slots = max([b.slots] + list(by_slot))
        for slot in range(1, slots + 1):
            server = by_slot.get(slot)
            if server is None:
                lines.append('    server s%d 127.0.0.1:1 check disabled' %
                             slot)
                continue
            state = ' weight 0' if server['state'] == 'drain' else ''
            if server.get('netns'):
                # Inside the replica's network namespace, to its own
                # port: no userspace port forwarder in between.
                lines.append('    server s%d 127.0.0.1:%d namespace %s '
                             'check%s' % (slot, server['target_port'],
                                          server['netns'], state))
                continue
            lines.append('    server s%d 127.0.0.1:%d check%s' % (
                slot, server['port'], state))
    return '\n'.join(lines) + '\n'


class Router:

    def __init__(self, state_dir=None, host=None, port=None,
                 executable=None):
        self.state_dir = state_dir or os.path.join(CONF.state_path,
                                                   'router')
        self.host = host or CONF.deployer.router_host
        self.port = port or CONF.deployer.router_port
        self.executable = executable or CONF.deployer.haproxy
        self.config_path = os.path.join(self.state_dir, 'haproxy.cfg')
        self.pid_path = os.path.join(self.state_dir, 'haproxy.pid')
        self.socket_path = os.path.join(self.state_dir, 'admin.sock')
        self.backends = {}
        # (backend, slot) rendered with a namespace in the running
        # HAProxy: the runtime API cannot take that namespace away.
        self._netns_slots = set()
        self._lock = threading.RLock()

    # -------------------------------------------------------- process

    def pids(self):
        try:
            with open(self.pid_path) as f:
                pids = [int(x) for x in f.read().split()]
        except (OSError, ValueError):
            return []
        return [p for p in pids if self._is_haproxy(p)]

    @staticmethod
    def _is_haproxy(pid):
        try:
            with open('/proc/%d/cmdline' % pid, 'rb') as f:
                return b'haproxy' in f.read()
        except OSError:
            return False

    def running(self):
        return bool(self.pids())

    def start(self):
        """Write the configuration and start HAProxy, or reload the one
        already running (left by an earlier deployer)."""
        with self._lock:
            os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
            self._write_and_reload()

    def stop(self):
        """Stop HAProxy (tests, undeploy of everything); apps stop being
        served."""
        with self._lock:
            for pid in self.pids():
                try:
                    os.kill(pid, 15)
                except OSError:
                    pass

    def _write_and_reload(self):
        text = render(self.backends, self.host, self.port, self.socket_path)
        tmp = self.config_path + '.new'
        with open(tmp, 'w') as f:
            f.write(text)
        check = self._haproxy(['-c', '-f', tmp])
        if check.returncode != 0:
            raise RouterError('invalid router configuration: %s' % (
                check.stdout + check.stderr).strip()[-2000:])
        os.replace(tmp, self.config_path)
        old = self.pids()
        argv = ['-D', '-f', self.config_path, '-p', self.pid_path]
        if old:
            if os.path.exists(self.socket_path):
                argv += ['-x', self.socket_path]
            argv += ['-sf'] + [str(p) for p in old]
        result = self._haproxy(argv)
        if result.returncode != 0:
            raise RouterError('starting HAProxy failed: %s' %
                              result.stderr.strip()[-2000:])
        self._wait_ready(old)
        self._netns_slots = {
            (b.name, srv['slot']) for b in self.backends.values()
            for srv in b.servers.values() if srv.get('netns')}

    def _wait_ready(self, old, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            new = [p for p in self.pids() if p not in old]
            if new:
                try:
                    info = self.command('show info')
                except RouterError:
                    info = ''
                if 'Pid: %d' % new[0] in info:
                    return
            time.sleep(0.02)
        raise RouterError('HAProxy did not come up within %d s' % timeout)

    def _haproxy(self, args):
        return subprocess.run([self.executable] + args, capture_output=True,
                              text=True, timeout=30,
                              stdin=subprocess.DEVNULL)

    # ---------------------------------------------------- runtime API

    def command(self, line):
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(5)
                s.connect(self.socket_path)
                s.sendall(line.encode() + b'\n')
                chunks = []
                while True:
                    data = s.recv(65536)
                    if not data:
                        break
                    chunks.append(data)
        except OSError as e:
            raise RouterError('HAProxy runtime API: %s' % e)
        return b''.join(chunks).decode(errors='replace')

    def _checked(self, line, ok=('',)):
        out = self.command(line).strip()
        if out not in ok and not any(o and o in out for o in ok):
            raise RouterError('%s: %s' % (line, out))
        return out

    # -------------------------------------------------------- backends

    def ensure_backend(self, backend, replicas=()):
        """Add or change a backend (reload); keeps its servers.
        ``replicas``, as add_servers takes them, join it: in the same
        reload when there is one (a first deploy reloads once)."""
        with self._lock:
            current = self.backends.get(backend.name)
            if current is not None and current.same_route(backend):
                if replicas:
                    self.add_servers(backend.name, replicas)
                return False
            if current is not None:
                backend.servers = current.servers
                backend.slots = max(backend.slots, current.slots)
            for replica in replicas:
                backend.place(*replica)
            self.backends[backend.name] = backend
            self._write_and_reload()
            return True

    def remove_backend(self, name):
        with self._lock:
            if self.backends.pop(name, None) is not None and self.running():
                self._write_and_reload()

    # --------------------------------------------------------- servers

    def _runtime(self, line):
        out = self.command(line).strip()
        if any(word in out for word in ('No such', 'Unknown', 'not found',
                                        'Require', 'invalid', 'Invalid')):
            raise RouterError('%s: %s' % (line, out))
        return out

    def add_server(self, backend_name, name, port, netns=None,
                   target_port=None):
        """Put a (healthy) replica into a free slot of its backend."""
        self.add_servers(backend_name, [(name, port, netns, target_port)])

    def add_servers(self, backend_name, replicas):
        """Put (healthy) replicas, ``(name, port, netns, target_port)``,
        into free slots of their backend.

        A replica with a network namespace is reached inside it, at its
        own ``target_port`` (HAProxy's ``namespace``); the runtime API
        cannot change a server's namespace, so those are added with one
        reload for all of them. The others, at their published loopback
        ``port``, take their slots through the runtime API.
        """
        with self._lock:
            backend = self.backends[backend_name]
            runtime, reload = [], False
            for name, port, netns, target_port in replicas:
                slot, grew = backend.place(name, port, netns, target_port)
                reload = reload or grew or bool(netns) or \
                    (backend_name, slot) in self._netns_slots
                runtime.append((name, slot, port))
            if reload:
                self._write_and_reload()
                return
            for name, slot, port in runtime:
                where = '%s/s%d' % (backend_name, slot)
                # The deployer has just seen it answer: health up serves
                # it at once rather than after the first check.
                if not self._runtime_or_reload(name, 'Adding', [
                        'set server %s addr 127.0.0.1 port %d' % (where,
                                                                  port),
                        'set server %s state ready' % where,
                        'set server %s health up' % where]):
                    return

    def _runtime_or_reload(self, name, doing, commands):
        """Run ``commands`` on the runtime API; when one fails, reload the
        router from the configuration, which has the change already.
        False when it reloaded."""
        try:
            for line in commands:
                self._runtime(line)
        except RouterError as e:
            LOG.warning('%s %s through the runtime API failed (%s); '
                        'reloading the router', doing, name, e)
            self._write_and_reload()
            return False
        return True

    def drain_server(self, backend_name, name):
        with self._lock:
            server = self.backends[backend_name].servers.get(name)
            if server is None:
                return
            server['state'] = 'drain'
            self._runtime('set server %s/s%d state drain' %
                          (backend_name, server['slot']))

    def remove_server(self, backend_name, name, drain_timeout=None):
        """Drain, wait for the replica's requests to finish, free its
        slot."""
        if drain_timeout is None:
            drain_timeout = CONF.deployer.drain_timeout
        with self._lock:
            backend = self.backends.get(backend_name)
            if backend is None or name not in backend.servers:
                return
            try:
                self.drain_server(backend_name, name)
            except RouterError as e:
                LOG.warning('Draining %s failed: %s', name, e)
        deadline = time.monotonic() + drain_timeout
        while time.monotonic() < deadline:
            row = self.server_stats(backend_name).get(name, {})
            if not int(row.get('scur') or 0):
                break
            time.sleep(0.05)
        with self._lock:
            backend = self.backends.get(backend_name)
            if backend is None or name not in backend.servers:
                return
            server = backend.servers.pop(name)
            where = '%s/s%d' % (backend_name, server['slot'])
            self._runtime_or_reload(name, 'Removing', [
                'set server %s state maint' % where,
                'shutdown sessions server %s' % where])

    def backend_stats(self, backend_name):
        """The BACKEND row of ``show stat`` for one backend, or {}."""
        try:
            out = self.command('show stat')
        except RouterError:
            return {}
        lines = out.strip().splitlines()
        if not lines:
            return {}
        header = lines[0].lstrip('# ').split(',')
        for line in lines[1:]:
            row = dict(zip(header, line.split(','), strict=False))
            if row.get('pxname') == backend_name and \
                    row.get('svname') == 'BACKEND':
                return row
        return {}

    def server_stats(self, backend_name):
        """``show stat`` of the replicas in one backend: replica name ->
        columns."""
        try:
            out = self.command('show stat')
        except RouterError:
            return {}
        lines = out.strip().splitlines()
        if not lines:
            return {}
        header = lines[0].lstrip('# ').split(',')
        with self._lock:
            backend = self.backends.get(backend_name)
            names = backend.slot_names() if backend else {}
        result = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(','), strict=False))
            if row.get('pxname') != backend_name:
                continue
            if row.get('svname') in names:
                result[names[row['svname']]] = row
        return result
