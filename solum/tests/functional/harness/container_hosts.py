# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.
"""Container hosts that really run: the minicloud's servers come to life.

Nova's fake virt driver boots nothing, so no server of a Solum stack ever
runs its user_data. ``ContainerHosts`` (a fixture) watches the servers
that Nova reports ACTIVE for one stack (their ``metering.server_group``
metadata is the stack's id) and brings each to life as a container host
of the test's own. It stands in for exactly two things:

* the hypervisor: a network namespace per server is the VM's network
  stack. It holds the server's Neutron port (its fixed IP and MAC, read
  from Neutron) on ``eth0``, a veth whose peer is in a bridge inside a
  "fabric" namespace of the test's; the test's network and subnet exist
  only there (no host interface, route or address is touched). Inside,
  127.0.0.1:PORT of each loopback service the user_data calls (Glance,
  Heat, Keystone) is a relay to the host's 127.0.0.1:PORT, so the URLs
  Heat and Solum rendered stay exactly as they are;
* the guest's boot: the server's user_data, read back from Nova's API
  (``OS-EXT-SRV-ATTR:user_data``), runs with ``/bin/sh`` as cloud-init
  would run it (``guest_boot.py``, the guest's first process, with a
  private ``/var/lib/solum``), with a Podman of the host's own: its own
  storage and run directories (``CONTAINERS_STORAGE_CONF``) and
  containers.conf (``CONTAINERS_CONF``), so every host has its own
  ``solum-app``.

Everything else is real: Nova and its servers, Neutron's network, subnet
and port addresses, the user_data Heat rendered from the template, its
download of the app image from Glance with its token, ``podman load`` and
``podman run``, its health polling, its signal to Heat's wait condition,
and Heat's handling of it. When a server goes away (scale-in, stack
delete) the watcher stops its containers and removes its namespace and
storage; the fixture's cleanup does so for every host left.
``lb_standin.AmphoraStandIn`` adds the load balancer's amphora on the
same fabric.

``fabric_get(url)`` sends an HTTP GET from a namespace of the test's on
the fabric (``probe`` address), as another machine on the network would.
Needs root, ``ip``, ``nsenter`` and Podman; no shell command is built
from any value (argument lists only).
"""

import base64
import ctypes
import ipaddress
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

import fixtures
import requests
from heatclient import exc as heat_exc

GUEST_BOOT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                          'guest_boot.py')
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
GUEST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
CONTAINERS_CONF = """\
# Written by solum/tests/functional/harness/container_hosts.py: this
# container host's podman (see tools/install-container-tools.sh).
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
netns = "slirp4netns"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "%(dir)s/events.log"
tmp_dir = "%(dir)s/libpod-tmp"

[network]
network_backend = "netavark"
"""
STORAGE_CONF = """\
[storage]
driver = "overlay"
graphroot = "%(dir)s/storage"
runroot = "%(dir)s/run"

[storage.options.overlay]
mountopt = "nodev"
"""


def missing_prerequisite():
    for tool in ('ip', 'nsenter', 'unshare', 'podman', 'curl', 'slirp4netns'):
        if shutil.which(tool) is None:
            return '%s is not installed' % tool
    if os.geteuid() != 0:
        return 'needs root (network namespaces, rootful podman)'
    return None


def ip(*args):
    subprocess.run(['ip', *args], check=True, capture_output=True,
                   text=True, timeout=30)


def in_netns(ns, fn, *args, timeout=60):
    """``fn(*args)`` in a new thread that entered network namespace
    ``ns`` first: the sockets it creates live there (and stay there)."""
    result = {}

    def run():
        try:
            with open(os.path.join('/run/netns', ns)) as f:
                if _libc.setns(f.fileno(), CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, 'setns %s: %s' % (
                        ns, os.strerror(err)))
            result['value'] = fn(*args)
        except BaseException as e:  # noqa: BLE001 - re-raised below
            result['error'] = e
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError('%s in namespace %s took over %d s' % (
            fn, ns, timeout))
    if 'error' in result:
        raise result['error']
    return result.get('value')


class LoopbackRelay:
    """127.0.0.1:PORT inside a namespace, relayed to the host's
    127.0.0.1:PORT: the listening sockets are made in the namespace, the
    upstream connections in the host's."""

    def __init__(self, ns, ports):
        self._closed = threading.Event()
        self._socks = in_netns(ns, self._listen, ports)
        for sock, port in zip(self._socks, ports, strict=True):
            threading.Thread(target=self._accept, args=(sock, port),
                             daemon=True).start()

    @staticmethod
    def _listen(ports):
        socks = []
        for port in ports:
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(('127.0.0.1', port))
            sock.listen(64)
            sock.settimeout(0.5)
            socks.append(sock)
        return socks

    def _accept(self, sock, port):
        while not self._closed.is_set():
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            threading.Thread(target=self._connect, args=(conn, port),
                             daemon=True).start()

    @staticmethod
    def _pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def _connect(self, conn, port):
        try:
            upstream = socket.create_connection(('127.0.0.1', port), 10)
        except OSError:
            conn.close()
            return
        upstream.settimeout(None)
        back = threading.Thread(target=self._pump, args=(upstream, conn),
                                daemon=True)
        back.start()
        self._pump(conn, upstream)
        back.join(600)
        conn.close()
        upstream.close()

    def close(self):
        self._closed.set()
        for sock in self._socks:
            sock.close()


class Fabric:
    """The test's own layer-2 segment: a bridge in a namespace; each
    attached namespace gets a veth pair (``eth0`` inside, its peer in
    the bridge)."""

    def __init__(self, name):
        self.name = name
        self._ports = 0
        self._lock = threading.Lock()

    def create(self):
        ip('netns', 'add', self.name)
        ip('-n', self.name, 'link', 'set', 'lo', 'up')
        ip('-n', self.name, 'link', 'add', 'br0', 'type', 'bridge')
        ip('-n', self.name, 'link', 'set', 'br0', 'up')

    def attach(self, ns, interface, mac=None):
        with self._lock:
            self._ports += 1
            peer = 'p%d' % self._ports
        ip('-n', self.name, 'link', 'add', peer, 'type', 'veth', 'peer',
           'name', 'eth0', 'netns', ns)
        ip('-n', self.name, 'link', 'set', peer, 'master', 'br0', 'up')
        if mac:
            ip('-n', ns, 'link', 'set', 'eth0', 'address', mac)
        ip('-n', ns, 'addr', 'add', str(interface), 'dev', 'eth0')
        ip('-n', ns, 'link', 'set', 'eth0', 'up')
        ip('-n', ns, 'link', 'set', 'lo', 'up')

    def destroy(self):
        subprocess.run(['ip', 'netns', 'del', self.name],
                       capture_output=True, timeout=30, check=False)


def netns_exists(name):
    return os.path.exists(os.path.join('/run/netns', name))


class ContainerHost:
    """One server brought to life (see the module's docstring)."""

    def __init__(self, server_id, name, ns, directory, interface, mac):
        self.server_id = server_id
        self.name = name
        self.ns = ns
        self.dir = directory
        self.interface = interface      # ipaddress.IPv4Interface
        self.address = str(interface.ip)
        self.mac = mac
        self.proc = None
        self.relay = None
        self.booted_at = None
        self.first_answer = None        # time.time() of the first 2xx
        self.console = os.path.join(directory, 'console.log')
        self.last_console = ''
        self.left_containers = None     # what podman still listed at stop

    def env(self):
        return {'PATH': GUEST_PATH, 'HOME': '/root',
                'CONTAINERS_CONF': os.path.join(self.dir,
                                                'containers.conf'),
                'CONTAINERS_STORAGE_CONF': os.path.join(self.dir,
                                                        'storage.conf'),
                'TMPDIR': os.path.join(self.dir, 'tmp')}

    def boot(self, fabric, user_data, relay_ports):
        for sub in ('disk', 'tmp', 'libpod-tmp'):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        values = {'dir': self.dir}
        for name, text in (('containers.conf', CONTAINERS_CONF),
                           ('storage.conf', STORAGE_CONF)):
            with open(os.path.join(self.dir, name), 'w') as f:
                f.write(text % values)
        script = os.path.join(self.dir, 'user-data')
        with open(script, 'wb') as f:
            f.write(user_data)
        ip('netns', 'add', self.ns)
        fabric.attach(self.ns, self.interface, self.mac)
        self.relay = LoopbackRelay(self.ns, relay_ports)
        os.makedirs('/var/lib/solum', exist_ok=True)  # the mount point
        with open(self.console, 'ab') as out:
            self.proc = subprocess.Popen(
                # Not `ip netns exec`: it mounts a sysfs of its own,
                # which hides the cgroup mounts runc needs.
                ['unshare', '--mount', '--propagation', 'slave',
                 'nsenter', '--net=%s' % os.path.join('/run/netns',
                                                       self.ns),
                 sys.executable, GUEST_BOOT,
                 os.path.join(self.dir, 'disk'), script],
                env=self.env(), stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, start_new_session=True)
        self.booted_at = time.time()

    def podman(self, *args, timeout=120):
        """podman of this host, in the guest's namespaces while its
        first process lives."""
        prefix = []
        if self.proc is not None and self.proc.poll() is None:
            prefix = ['nsenter', '--target', str(self.proc.pid), '--mount',
                      '--net']
        return subprocess.run(prefix + ['podman', *args], env=self.env(),
                              capture_output=True, text=True,
                              timeout=timeout, check=False)

    def containers(self):
        """Names of the host's running containers."""
        out = self.podman('ps', '--format', '{{.Names}}').stdout
        return out.split()

    def console_text(self):
        try:
            with open(self.console, errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def shutdown(self):
        self.last_console = self.console_text()
        if self.proc is not None:
            self.podman('rm', '--force', '--all', '--time', '0')
            self.left_containers = self.podman(
                'ps', '--all', '--format', '{{.Names}}').stdout.split()
            if self.proc.poll() is None:
                try:
                    os.killpg(self.proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                try:
                    self.proc.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(15)
        if self.relay is not None:
            self.relay.close()
        subprocess.run(['ip', 'netns', 'del', self.ns], capture_output=True,
                       timeout=30, check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


class ContainerHosts(fixtures.Fixture):
    """Every ACTIVE server of stack ``stack_name`` as a container host.

    ``nova``: an admin novaclient (microversion >= 2.3: user_data);
    ``neutron``: an admin keystoneauth1 session (ports); ``heat``: a
    client that sees the stack; ``subnet_cidr``: the test's subnet;
    ``probe``: a fixed IP of the subnet (a port of the test's) for the
    test's own namespace on the fabric; ``relay_ports``: the host's
    loopback ports that user_data may call; ``probe_port`` and
    ``probe_path``: what the watcher GETs from the fabric to note each
    host's ``first_answer``.
    """

    def __init__(self, nova, neutron, heat, stack_name, subnet_cidr, probe,
                 relay_ports, probe_port=8080, probe_path='/',
                 interval=0.3):
        super().__init__()
        self.nova = nova
        self.neutron = neutron
        self.heat = heat
        self.stack_name = stack_name
        self.network = ipaddress.ip_network(subnet_cidr)
        self.probe = probe
        self.relay_ports = sorted(set(relay_ports))
        self.interval = interval
        self.probe_port = probe_port
        self.probe_path = probe_path
        self.hosts = {}      # server id -> ContainerHost
        self.gone = {}       # server id -> ContainerHost (shut down)
        self.errors = []
        # called before hosts whose server went are shut down (the
        # amphora's stand-in drops their members first)
        self.before_shutdown = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._count = 0

    def _setUp(self):
        self.prefix = 'sft%s' % uuid.uuid4().hex[:6]
        self.root = self.useFixture(fixtures.TempDir()).path
        self.fabric = Fabric(self.prefix + 'f')
        self.addCleanup(self.fabric.destroy)
        self.fabric.create()
        self.probe_ns = self.prefix + 'p'
        self.addCleanup(subprocess.run, ['ip', 'netns', 'del',
                                         self.probe_ns],
                        capture_output=True, timeout=30, check=False)
        ip('netns', 'add', self.probe_ns)
        self.fabric.attach(self.probe_ns, ipaddress.ip_interface(
            '%s/%d' % (self.probe, self.network.prefixlen)))
        self.addCleanup(self._shutdown_all)
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        self.addCleanup(self._thread.join, 60)
        self.addCleanup(self._stop.set)

    # ---------------------------------------------------------- watcher

    def _stack_id(self):
        # Any other error ends this round (reported): a host is shut down
        # only when Heat says its stack is gone.
        try:
            stack = self.heat.stacks.get(self.stack_name)
        except heat_exc.HTTPNotFound:
            return None
        return None if stack.stack_status == 'DELETE_COMPLETE' else stack.id

    def _active_servers(self, stack_id):
        if stack_id is None:
            return {}
        servers = self.nova.servers.list(search_opts={'all_tenants': True})
        return {s.id: s for s in servers
                if s.status == 'ACTIVE' and
                (s.metadata or {}).get('metering.server_group') == stack_id}

    def _watch(self):
        while not self._stop.is_set():
            try:
                self.sync()
                self.note_answers()
            except Exception as e:  # noqa: BLE001 - the test sees them
                self.errors.append('watcher: %r' % e)
            self._stop.wait(self.interval)

    def note_answers(self):
        for host in self.current().values():
            if host.first_answer is not None:
                continue
            try:
                resp = self.fabric_get('http://%s:%d%s' % (
                    host.address, self.probe_port, self.probe_path),
                    timeout=1)
            except requests.RequestException:
                continue
            if 200 <= resp.status_code < 300:
                host.first_answer = time.time()

    def sync(self):
        """Boot hosts for new ACTIVE servers, shut down the ones whose
        server is gone (or no longer ACTIVE)."""
        active = self._active_servers(self._stack_id())
        with self._lock:
            known = set(self.hosts)
        for server_id in set(active) - known:
            self._boot(active[server_id])
        if known - set(active):
            for hook in self.before_shutdown:
                hook()
        for server_id in known - set(active):
            # listed in hosts until it is down: a test that sees the
            # count drop sees the namespace and containers gone
            with self._lock:
                host = self.hosts[server_id]
            host.shutdown()
            with self._lock:
                self.gone[server_id] = self.hosts.pop(server_id)

    def _port(self, server_id):
        resp = self.neutron.get('/v2.0/ports', params={
            'device_id': server_id},
            endpoint_filter={'service_type': 'network'})
        for port in resp.json()['ports']:
            for fixed in port['fixed_ips']:
                address = ipaddress.ip_address(fixed['ip_address'])
                if address in self.network:
                    return address, port['mac_address']
        return None, None

    def _boot(self, server):
        address, mac = self._port(server.id)
        if address is None:
            self.errors.append('server %s has no port on %s' % (
                server.id, self.network))
            return
        detail = self.nova.servers.get(server.id).to_dict()
        user_data = (detail.get('OS-EXT-SRV-ATTR:user_data') or '').encode()
        self._count += 1
        ns = '%s%d' % (self.prefix, self._count)
        host = ContainerHost(
            server.id, server.name, ns, os.path.join(self.root, ns),
            ipaddress.ip_interface('%s/%d' % (address,
                                              self.network.prefixlen)),
            mac)
        with self._lock:
            self.hosts[server.id] = host
        host.boot(self.fabric, base64.b64decode(user_data),
                  self.relay_ports)

    def _shutdown_all(self):
        self._stop.set()
        with self._lock:
            hosts, self.hosts = list(self.hosts.values()), {}
        for host in hosts:
            host.shutdown()
            self.gone[host.server_id] = host

    # ------------------------------------------------------------ probes

    def report(self):
        """Every host's state and console, for a failing test."""
        with self._lock:
            hosts = [('up', h) for h in self.hosts.values()] + \
                [('gone', h) for h in self.gone.values()]
        return '\n'.join(
            '== %s %s %s (%s) ns %s answered %s\n%s' % (
                state, h.server_id, h.name, h.address, h.ns,
                h.first_answer, h.console_text() or h.last_console)
            for state, h in hosts) + '\nerrors: %s' % self.errors

    def current(self):
        with self._lock:
            return dict(self.hosts)

    def fabric_get(self, url, timeout=5):
        """GET ``url`` from the test's namespace on the fabric (no proxy:
        the addresses exist only there)."""
        def get():
            with requests.Session() as session:
                session.trust_env = False
                return session.get(url, timeout=timeout)
        return in_netns(self.probe_ns, get, timeout=timeout + 10)
