"""The router's configuration: the model of each app's backend and its
server slots, and the HAProxy configuration rendered from it. Pure: no
process, no socket (router.py runs HAProxy and changes it at run time).

Each app's backend has pre-allocated server slots (``s1`` .. ``sN``, in
maintenance while free) that its replicas take and leave. The rendered
configuration always holds the current assignment, so a reload keeps it.

HAProxy reaches a replica inside the replica's network namespace
(``namespace``, at the container's own port; ``[deployer] router_netns``)
rather than through the port Podman publishes on loopback: that port is
served by a userspace forwarder (rootlessport) that cost more CPU per
request than HAProxy itself.

Slots rather than HAProxy 2.6's dynamic servers (``add server``): those
ignore ``default-server`` and, measured here, served a keep-alive load
at a fifth of the rate of configured servers (no idle connection reuse:
a new server connection per request).
"""

import os
import re

from solum import conf

CONF = conf.CONF

# Where the named network namespaces live (``ip netns``, Podman's
# SandboxKey, HAProxy's ``namespace``); tests point it elsewhere.
NETNS_DIR = '/run/netns'

_SAFE = re.compile(r'[A-Za-z0-9_.:-]+')


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


def netns_exists(name):
    return os.path.exists(os.path.join(NETNS_DIR, name))


def vanished_netns(backends):
    """The network namespaces servers of ``backends`` are rendered in
    that no longer exist (their replica is gone or going): HAProxy
    refuses a whole configuration naming one."""
    return {srv['netns'] for b in backends.values()
            for srv in b.servers.values()
            if srv.get('netns') and not netns_exists(srv['netns'])}


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
        # Each slot's twin, reached at the published loopback port: off,
        # but for the last requests of a process a reload replaces
        # (router.Router._hand_over).
        lines += ['    server p%d 127.0.0.1:1 check disabled' % slot
                  for slot in range(1, slots + 1)]
    return '\n'.join(lines) + '\n'
