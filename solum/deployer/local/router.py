"""The router of the local driver: one HAProxy process, configured from
the model in router_config, and changed at run time through HAProxy's
runtime API; ``show stat`` read back for the replicas' health and load.

Replicas take and leave their backend's slots through the runtime API
(``set server ... addr``, ``state ready``, ``state drain``, ``state
maint``), so scaling and deploys need no reload; the configuration is
rewritten and HAProxy reloaded seamlessly (``-x`` hands the listening
sockets over, ``-sf`` lets the old process finish its requests) only when
a backend is added, removed or needs more slots.

The runtime API cannot set a server's namespace, so replicas reached
inside their network namespace (router_config) are added with one
(seamless) reload.
"""

import os
import re
import socket
import subprocess
import threading
import time

from oslo_log import log as logging

from solum import conf
from solum.deployer.local import router_config

CONF = conf.CONF
LOG = logging.getLogger(__name__)


# How often a reload is tried, leaving out servers in network namespaces
# HAProxy cannot open (each try drops the ones it named).
RELOAD_ATTEMPTS = 3

_NO_NETNS = re.compile(r"Cannot open namespace '([^']+)'")
_ALERT = re.compile(r'\[ALERT\]\s*(?:\(\d+\)\s*:\s*)?(.*)')


class RouterError(Exception):
    pass


def first_alert(output, limit=300):
    """One line of HAProxy's (multi-line) output saying why it failed:
    the first [ALERT] without its level and pid, else the last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for line in lines:
        match = _ALERT.match(line)
        if match:
            return match.group(1)[:limit]
    return lines[-1][:limit] if lines else 'no output'


def parse_stat(text):
    """The rows of ``show stat`` (CSV under a ``# pxname,svname,...``
    header) as dicts by column name; [] for no output."""
    lines = text.strip().splitlines()
    if not lines:
        return []
    header = lines[0].lstrip('# ').split(',')
    return [dict(zip(header, line.split(','), strict=False))
            for line in lines[1:]]


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
        # Processes replaced by a reload, until they have finished.
        self._replaced = set()
        # Backend -> its slots in the running process.
        self._running_slots = {}
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
        """Render the model, check it and (re)start HAProxy with it.

        A server whose network namespace is gone (its replica vanished)
        would make HAProxy refuse the whole configuration, for every
        app: such servers leave the model first (healing replaces their
        replicas), and when HAProxy still cannot open a namespace (gone
        in between), the ones it names are left out and it is tried
        again, up to RELOAD_ATTEMPTS times.
        """
        self._hand_over()
        try:
            self._reload()
        except RouterError:
            self._hand_over(back=True)
            raise

    def _reload(self):
        for attempt in range(1, RELOAD_ATTEMPTS + 1):
            self._leave_out(router_config.vanished_netns(self.backends))
            doing, result, old = self._try_reload()
            if result.returncode == 0:
                break
            output = (result.stdout + result.stderr).strip()
            LOG.error('%s (attempt %d of %d), HAProxy said:\n%s', doing,
                      attempt, RELOAD_ATTEMPTS, output)
            culprits = set(_NO_NETNS.findall(output))
            if not culprits or attempt == RELOAD_ATTEMPTS:
                raise RouterError('%s: %s' % (doing, first_alert(output)))
            self._leave_out(culprits)
        self._wait_ready(old)
        self._replaced.update(old)
        self._netns_slots = {
            (b.name, srv['slot']) for b in self.backends.values()
            for srv in b.servers.values() if srv.get('netns')}
        self._running_slots = {b.name: max([b.slots] + [
            srv['slot'] for srv in b.servers.values()])
            for b in self.backends.values()}

    def _hand_over(self, back=False):
        """Before a reload: the running process reaches its replicas
        through their published loopback ports (the ``pN`` twins of
        their slots) rather than inside their network namespaces.

        A process a reload replaces answers the next request of each idle
        keep-alive client (``idle-close-on-response``), but HAProxy 2.6
        cannot open a connection in a ``namespace`` once it is stopping:
        that request got an HTTP 503 (every idle client's, for an app
        that closes its server connections, as gunicorn does). Through
        the twin it is served. ``back``: the reload failed, the running
        process goes on as it was.
        """
        if not self._netns_slots or not os.path.exists(self.socket_path):
            return
        commands = []
        # The twins take what the new configuration will have (the new
        # replicas in, the old ones drained): the replaced process's
        # last answers already come from the new release.
        for b in sorted(self.backends.values(), key=lambda b: b.name):
            for srv in b.servers.values():
                slot = srv['slot']
                if slot > self._running_slots.get(b.name, 0):
                    continue   # no such slot in the running process
                twin = '%s/p%d' % (b.name, slot)
                if back:
                    commands.append('set server %s state maint' % twin)
                    continue
                commands += ['set server %s addr 127.0.0.1 port %d' % (
                    twin, srv['port']),
                    'set server %s state %s' % (twin, srv['state']),
                    'set server %s health up' % twin]
        for backend, slot in sorted(self._netns_slots):
            commands.append('set server %s/s%d state %s' % (
                backend, slot, 'ready' if back else 'maint'))
        try:
            # One connection: commands separated by ';'.
            out = self.command(';'.join(commands))
        except RouterError as e:
            out = str(e)
        if any(w in out for w in ('No such', 'Unknown', 'Require',
                                  'nvalid')):
            LOG.warning('Handing the running router over to published '
                        'ports failed: %s', out.strip()[:300])

    def _try_reload(self):
        """Check the rendered configuration and start HAProxy with it:
        (what failed, the failing or last result, the old pids)."""
        text = router_config.render(self.backends, self.host, self.port,
                                    self.socket_path)
        tmp = self.config_path + '.new'
        with open(tmp, 'w') as f:
            f.write(text)
        check = self._haproxy(['-c', '-f', tmp])
        if check.returncode != 0:
            return 'invalid router configuration', check, []
        os.replace(tmp, self.config_path)
        old = self.pids()
        argv = ['-D', '-f', self.config_path, '-p', self.pid_path]
        if old:
            if os.path.exists(self.socket_path):
                argv += ['-x', self.socket_path]
            argv += ['-sf'] + [str(p) for p in old]
        return 'starting HAProxy failed', self._haproxy(argv), old

    def _leave_out(self, namespaces):
        """Take the servers rendered in these (vanished) network
        namespaces out of the model."""
        if not namespaces:
            return
        for backend in self.backends.values():
            for name, srv in list(backend.servers.items()):
                if srv.get('netns') in namespaces:
                    LOG.warning('Replica %s (backend %s): its network '
                                'namespace %s is gone; left out of the '
                                'router until healing replaces it', name,
                                backend.name, srv['netns'])
                    del backend.servers[name]

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

    # -------------------------------------------------------- backends

    def ensure_backend(self, backend, replicas=(), drain=()):
        """Add or change a backend (reload); keeps its servers.
        ``replicas``, as add_servers takes them, join it and the servers
        named in ``drain`` (the release they replace) are drained: in the
        same reload when there is one (a first deploy reloads once)."""
        with self._lock:
            current = self.backends.get(backend.name)
            if current is not None and current.same_route(backend):
                if replicas or drain:
                    self.add_servers(backend.name, replicas, drain)
                return False
            if current is not None:
                backend.servers = current.servers
                backend.slots = max(backend.slots, current.slots)
            for replica in replicas:
                backend.place(*replica)
            self._mark(backend, drain, 'drain')
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

    def add_servers(self, backend_name, replicas, drain=(), ready=()):
        """Put (healthy) replicas, ``(name, port, netns, target_port)``,
        into free slots of their backend, and drain the servers named in
        ``drain`` at the same time (a deploy: the new release takes every
        new request as soon as it serves).

        A replica with a network namespace is reached inside it, at its
        own ``target_port`` (HAProxy's ``namespace``); the runtime API
        cannot change a server's namespace, so those are added with one
        reload for all of them (the drained ones rendered so). The
        others, at their published loopback ``port``, take their slots
        through the runtime API. Servers named in ``ready`` (drained by a
        deploy that failed) serve again.
        """
        with self._lock:
            backend = self.backends[backend_name]
            runtime, reload = [], False
            for name, port, netns, target_port in replicas:
                slot, grew = backend.place(name, port, netns, target_port)
                reload = reload or grew or bool(netns) or \
                    (backend_name, slot) in self._netns_slots
                runtime.append((name, slot, port))
            changed = [(n, slot, 'drain') for n, slot in
                       self._mark(backend, drain, 'drain')]
            changed += [(n, slot, 'ready') for n, slot in
                        self._mark(backend, ready, 'ready')]
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
            for name, slot, state in changed:
                if not self._runtime_or_reload(name, 'Changing', [
                        'set server %s/s%d state %s' % (backend_name, slot,
                                                        state)]):
                    return

    @staticmethod
    def _mark(backend, names, state):
        """Set these servers of ``backend`` to ``state`` ('drain' or
        'ready') in the model: [(name, slot)] of those it has."""
        marked = []
        for name in names:
            server = backend.servers.get(name)
            if server is not None:
                server['state'] = state
                marked.append((name, server['slot']))
        return marked

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
        self.remove_servers(backend_name, [name], drain_timeout)

    def remove_servers(self, backend_name, names, drain_timeout=None):
        """Drain, wait for the replicas' requests to finish, free their
        slots; the replicas may be stopped afterwards.

        Waiting also covers the HAProxy processes a reload replaced: one
        still finishing its connections routes a keep-alive client's next
        request to the servers it knows, the old release's among them, so
        those must not be stopped under it (an HTTP 503).
        """
        if drain_timeout is None:
            drain_timeout = CONF.deployer.drain_timeout
        with self._lock:
            backend = self.backends.get(backend_name)
            names = [n for n in names if backend is not None and
                     n in backend.servers]
            for name in names:
                if backend.servers[name]['state'] == 'drain':
                    continue   # in the reload that added its successors
                try:
                    self.drain_server(backend_name, name)
                except RouterError as e:
                    LOG.warning('Draining %s failed: %s', name, e)
        if not names:
            return
        deadline = time.monotonic() + drain_timeout
        while time.monotonic() < deadline:
            stats = self.server_stats(backend_name)
            busy = [n for n in names
                    if int(stats.get(n, {}).get('scur') or 0)]
            if not busy and not self.replaced_processes():
                break
            time.sleep(0.02)
        with self._lock:
            backend = self.backends.get(backend_name)
            if backend is None:
                return
            for name in names:
                server = backend.servers.pop(name, None)
                if server is None:
                    continue
                where = '%s/s%d' % (backend_name, server['slot'])
                if not self._runtime_or_reload(name, 'Removing', [
                        'set server %s state maint' % where,
                        'shutdown sessions server %s' % where]):
                    return

    def replaced_processes(self):
        """The HAProxy processes replaced by reloads that still finish
        their connections."""
        with self._lock:
            self._replaced = {p for p in self._replaced
                              if self._is_haproxy(p)}
            return set(self._replaced)

    # ------------------------------------------------------ statistics

    def _stat_rows(self, backend_name):
        """The rows of ``show stat`` of one backend; [] when HAProxy does
        not answer."""
        try:
            out = self.command('show stat')
        except RouterError:
            return []
        return [row for row in parse_stat(out)
                if row.get('pxname') == backend_name]

    def backend_stats(self, backend_name):
        """The BACKEND row of ``show stat`` for one backend, or {}."""
        for row in self._stat_rows(backend_name):
            if row.get('svname') == 'BACKEND':
                return row
        return {}

    def server_stats(self, backend_name):
        """``show stat`` of the replicas in one backend: replica name ->
        columns."""
        rows = self._stat_rows(backend_name)
        with self._lock:
            backend = self.backends.get(backend_name)
            names = backend.slot_names() if backend else {}
        return {names[row['svname']]: row for row in rows
                if row.get('svname') in names}
