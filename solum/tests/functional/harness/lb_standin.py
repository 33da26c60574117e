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
"""The amphora's stand-in: an HAProxy at the VIP, configured from Octavia.

The minicloud's Octavia is the real API, database and controller worker,
but its amphora, compute and network drivers are no-ops: a load balancer
goes ACTIVE and no traffic moves. ``AmphoraStandIn`` (a fixture, used with
``container_hosts.ContainerHosts``) stands in for exactly that, the
amphora, for the one load balancer of a Solum stack (its ``loadbalancer``
resource):

* a network namespace on the container hosts' fabric holds the VIP
  address with the VIP port's MAC (the Neutron port that Octavia's API
  allocated on the test's subnet, ``vip_port_id``);
* in it runs a real HAProxy (master-worker mode) whose configuration is
  rendered only from what Octavia's API says: each listener's protocol
  port, its default pool's algorithm, the pool's members (address and
  port; not those Octavia is deleting, ``PENDING_DELETE``, nor those it
  has not created yet, ``PENDING_CREATE``, as an amphora gets them) and
  the health monitor (HTTP GET of ``url_path``, ``expected_codes``,
  ``delay``, ``timeout``, ``max_retries``, ``max_retries_down``). It polls
  Octavia and, when the rendered configuration changes, reloads HAProxy
  seamlessly (SIGUSR2 to the master: new workers take over the listening
  sockets, old ones finish their connections);
* a veth from the host's own network namespace into the fabric, with a
  test address of the subnet on the host side and a /32 route to the VIP
  only: the deployer's probe of the app URL (which runs in the test's
  solum-all, on the host) reaches the VIP as a cloud's client would. It
  is the only change to the host's network, and goes with the fixture.

``ContainerHosts`` calls ``sync()`` before it shuts down a host whose
server is gone, so a member is out of HAProxy's configuration before its
namespace goes (Heat deletes the pool member before the server, and an
amphora is reconfigured before the member's delete completes).

Everything else is real: Octavia's API and the load balancer, listener,
pool, members and health monitor that Heat created in it, the VIP port,
the members' addresses, and the container hosts that serve. No shell
command is built from any value (argument lists only).
"""

import ipaddress
import os
import signal
import subprocess
import threading
import time

import fixtures
import requests

from solum.tests.functional.harness import container_hosts

OCTAVIA = {'service_type': 'load-balancer'}
NEUTRON = {'service_type': 'network'}
ALGORITHMS = {'ROUND_ROBIN': 'roundrobin', 'LEAST_CONNECTIONS': 'leastconn',
              'SOURCE_IP': 'source'}
# what an amphora serves: not the members Octavia is creating or deleting
SERVED_MEMBERS = ('ACTIVE', 'PENDING_UPDATE')


def expected_codes_regex(codes):
    """Octavia's expected_codes ("200", "200,202", "200-399") as the
    regular expression of HAProxy's ``http-check expect rstatus``."""
    result = []
    for part in codes.split(','):
        part = part.strip()
        if '-' in part:
            low, high = (int(x) for x in part.split('-', 1))
            result += [str(c) for c in range(low, high + 1)]
        elif part:
            result.append(str(int(part)))
    return '^(%s)$' % '|'.join(result)


def render(listeners, pools, members, monitors, state_dir):
    """HAProxy's configuration of one load balancer from Octavia's
    objects (lists of their API dicts; members and monitors keyed by
    pool id)."""
    lines = ['global',
             '    maxconn 4096',
             '    stats socket %s mode 600 level admin expose-fd '
             'listeners' % os.path.join(state_dir, 'admin.sock'),
             # as the amphora's own template (Octavia's haproxy base.j2)
             'defaults',
             '    retries 3',
             '    option redispatch',
             '    mode http',
             '    timeout connect 5s',
             '    timeout client 50s',
             '    timeout server 50s']
    by_id = {p['id']: p for p in pools}
    for listener in sorted(listeners, key=lambda x: x['id']):
        pool = by_id.get(listener.get('default_pool_id'))
        if not listener.get('admin_state_up', True):
            continue
        lines += ['frontend l_%s' % listener['id'],
                  '    bind %s:%d' % (listener['vip'],
                                      listener['protocol_port'])]
        if pool is not None:
            lines.append('    default_backend p_%s' % pool['id'])
    for pool in sorted(pools, key=lambda x: x['id']):
        lines += ['backend p_%s' % pool['id'],
                  '    balance %s' % ALGORITHMS.get(pool['lb_algorithm'],
                                                    'roundrobin')]
        monitor = monitors.get(pool['id'])
        check = ''
        if monitor and monitor.get('admin_state_up', True):
            lines += ['    timeout check %ds' % monitor['timeout'],
                      '    option httpchk GET %s' % (
                          monitor.get('url_path') or '/'),
                      '    http-check expect rstatus %s' %
                      expected_codes_regex(monitor.get('expected_codes') or
                                           '200')]
            check = ' check inter %ds rise %d fall %d' % (
                monitor['delay'], monitor['max_retries'],
                monitor.get('max_retries_down') or 3)
        for member in sorted(members.get(pool['id'], []),
                             key=lambda x: x['id']):
            if member['provisioning_status'] not in SERVED_MEMBERS or \
                    not member.get('admin_state_up', True):
                continue
            lines.append('    server m_%s %s:%d weight %d%s' % (
                member['id'], member['address'], member['protocol_port'],
                member.get('weight', 1), check))
    return '\n'.join(lines) + '\n'


class AmphoraStandIn(fixtures.Fixture):
    """The amphora of stack ``stack_name``'s load balancer (see the
    module's docstring). ``hosts``: the stack's ``ContainerHosts`` (its
    fabric); ``session``: an admin keystoneauth1 session (Octavia,
    Neutron); ``heat``: a client that sees the stack; ``host_address``:
    a fixed IP of the subnet (a port of the test's) for the host's end
    of the veth."""

    def __init__(self, hosts, session, heat, stack_name, host_address,
                 interval=0.3):
        super().__init__()
        self.hosts = hosts
        self.session = session
        self.heat = heat
        self.stack_name = stack_name
        self.host_address = host_address
        self.interval = interval
        self.lb_id = None
        self.vip = None
        self.config = None
        self.reloads = 0
        self.proc = None
        self.errors = []
        self.history = []    # (time.time(), sorted member addresses)
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def _setUp(self):
        self.ns = self.hosts.prefix + 'v'
        self.host_link = self.hosts.prefix + 'h'
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.cfg = os.path.join(self.dir, 'haproxy.cfg')
        self.addCleanup(self._teardown)
        self.hosts.before_shutdown.append(self.sync)
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()
        self.addCleanup(self._thread.join, 60)
        self.addCleanup(self._stop.set)

    # ------------------------------------------------------------ API

    def _get(self, path, **params):
        resp = self.session.get(path, params=params or None,
                                endpoint_filter=OCTAVIA, raise_exc=False)
        if resp.status_code == 404:
            return None
        resp.raise_for_status()
        return resp.json()

    def _lb_id(self):
        try:
            res = self.heat.resources.get(self.stack_name, 'loadbalancer')
        except Exception:  # noqa: BLE001 - no stack (yet, or any more)
            return None
        return res.physical_resource_id or None

    def read(self, lb_id):
        """(load balancer, listeners, pools, members, monitors) as
        Octavia's API shows them now; None when the LB is gone."""
        lb = self._get('/v2/lbaas/loadbalancers/%s' % lb_id)
        if lb is None or lb['loadbalancer']['provisioning_status'] in (
                'DELETED', 'PENDING_DELETE'):
            return None
        lb = lb['loadbalancer']
        listeners = self._get('/v2/lbaas/listeners',
                              loadbalancer_id=lb_id)['listeners']
        for listener in listeners:
            listener['vip'] = lb['vip_address']
        pools = self._get('/v2/lbaas/pools',
                          loadbalancer_id=lb_id)['pools']
        members, monitors = {}, {}
        for pool in pools:
            got = self._get('/v2/lbaas/pools/%s/members' % pool['id'])
            members[pool['id']] = got['members'] if got else []
            if pool.get('healthmonitor_id'):
                got = self._get('/v2/lbaas/healthmonitors/%s' %
                                pool['healthmonitor_id'])
                if got:
                    monitors[pool['id']] = got['healthmonitor']
        return lb, listeners, pools, members, monitors

    # ------------------------------------------------------ the amphora

    def _watch(self):
        while not self._stop.is_set():
            try:
                self.sync()
            except Exception as e:  # noqa: BLE001 - the test sees them
                self.errors.append('stand-in: %r' % e)
            self._stop.wait(self.interval)

    def sync(self):
        """Bring HAProxy in line with Octavia's objects now."""
        with self._lock:
            lb_id = self.lb_id or self._lb_id()
            if lb_id is None:
                return
            got = self.read(lb_id)
            if got is None:
                if self.lb_id is not None:
                    self._teardown()
                return
            lb, listeners, pools, members, monitors = got
            if self.lb_id is None:
                if lb['provisioning_status'] != 'ACTIVE':
                    return
                self._plug(lb)
                self.lb_id = lb_id
            config = render(listeners, pools, members, monitors, self.dir)
            if config != self.config:
                self._apply(config)
                self.history.append((time.time(), sorted(
                    m['address'] for ms in members.values() for m in ms
                    if m['provisioning_status'] in SERVED_MEMBERS)))

    def _plug(self, lb):
        """The VIP's namespace on the fabric, and the host's veth."""
        port = self.session.get('/v2.0/ports/%s' % lb['vip_port_id'],
                                endpoint_filter=NEUTRON).json()['port']
        self.vip = lb['vip_address']
        net = self.hosts.network
        container_hosts.ip('netns', 'add', self.ns)
        self.hosts.fabric.attach(self.ns, ipaddress.ip_interface(
            '%s/%d' % (self.vip, net.prefixlen)), port['mac_address'])
        # the host's end: its own address (/32) and a route to the VIP only
        container_hosts.ip('link', 'add', self.host_link, 'type', 'veth',
                           'peer', 'name', 'hb0', 'netns',
                           self.hosts.fabric.name)
        container_hosts.ip('-n', self.hosts.fabric.name, 'link', 'set',
                           'hb0', 'master', 'br0', 'up')
        container_hosts.ip('addr', 'add', '%s/32' % self.host_address,
                           'dev', self.host_link)
        container_hosts.ip('link', 'set', self.host_link, 'up')
        container_hosts.ip('route', 'add', '%s/32' % self.vip, 'dev',
                           self.host_link, 'src', self.host_address)

    def _apply(self, config):
        with open(self.cfg, 'w') as f:
            f.write(config)
        check = subprocess.run(['haproxy', '-c', '-q', '-f', self.cfg],
                               capture_output=True, text=True, timeout=30,
                               check=False)
        if check.returncode != 0:
            self.errors.append('haproxy -c: %s%s\n%s' % (
                check.stdout, check.stderr, config))
            return
        self.config = config
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen(
                ['nsenter', '--net=%s' % os.path.join('/run/netns', self.ns),
                 'haproxy', '-W', '-db', '-f', self.cfg],
                stdin=subprocess.DEVNULL,
                stdout=open(os.path.join(self.dir, 'haproxy.log'), 'ab'),
                stderr=subprocess.STDOUT, start_new_session=True)
        else:
            # master-worker: re-reads the file, new workers take the
            # listening sockets over, old ones finish their connections
            self.proc.send_signal(signal.SIGUSR2)
            self.reloads += 1

    def _teardown(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(15)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(15)
            self.proc = None
        for args in (['ip', 'link', 'del', self.host_link],
                     ['ip', 'netns', 'del', self.ns]):
            subprocess.run(args, capture_output=True, timeout=30,
                           check=False)
        self.lb_id = None
        self.config = None

    # ------------------------------------------------------------ probes

    def log(self):
        try:
            with open(os.path.join(self.dir, 'haproxy.log'),
                      errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def report(self):
        return 'stand-in lb %s vip %s reloads %d\nconfig:\n%s\nhistory: ' \
            '%s\nerrors: %s\nhaproxy:\n%s' % (
                self.lb_id, self.vip, self.reloads, self.config,
                self.history, self.errors, self.log()[-4000:])


class SteadyLoad:
    """GETs of ``url`` at ``rate`` per second from the test's probe
    namespace on the fabric, each on a new connection, until stop();
    counts every request and keeps every failure (no 200, or an
    error)."""

    def __init__(self, hosts, url, rate=20.0, timeout=5):
        self.hosts = hosts
        self.url = url
        self.period = 1.0 / rate
        self.timeout = timeout
        self.total = 0
        self.failures = []    # (time.time(), what)
        self.first_ok = None  # time.time() of the first 200
        self.served_by = {}   # last line's "served by" -> count
        self._stop = threading.Event()
        self._thread = None

    def start(self):
        self._thread = threading.Thread(
            target=container_hosts.in_netns,
            args=(self.hosts.probe_ns, self._run),
            kwargs={'timeout': 3600}, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        with requests.Session() as session:
            session.trust_env = False
            next_at = time.monotonic()
            while not self._stop.is_set():
                self.total += 1
                try:
                    resp = session.get(self.url, timeout=self.timeout,
                                       headers={'Connection': 'close'})
                    if resp.status_code != 200:
                        self.failures.append((time.time(), 'HTTP %d' %
                                              resp.status_code))
                    else:
                        if self.first_ok is None:
                            self.first_ok = time.time()
                        who = resp.text.rsplit('served by ', 1)[-1].strip()
                        self.served_by[who] = self.served_by.get(who, 0) + 1
                except requests.RequestException as e:
                    self.failures.append((time.time(), repr(e)))
                next_at += self.period
                self._stop.wait(max(0.0, next_at - time.monotonic()))

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.timeout + 10)
        return self.total, self.failures
