"""Destinations a build network refuses, besides the host's loopback.

slirp4netns --disable-host-loopback keeps a build off the host's
loopback, but its NAT opens an ordinary socket for any other destination:
the builder host's own addresses (a service bound to 0.0.0.0 answers
there) and, on a cloud, the metadata service at 169.254.169.254, whose
user_data and credentials belong to the builder host, not to the app.

``[builder] build_network_deny`` names those destinations: ``host``
(every non-loopback address of the builder host, read when each build
starts) or CIDRs. An nftables table loaded inside the build's own network
namespace rejects them (connections are refused at once, they do not hang
until a timeout). The host's own ruleset is never touched, and RUN steps
lack CAP_NET_ADMIN, so a build cannot unload the table.
"""

import ipaddress
import json
import subprocess

from solum.builder import process

HOST = 'host'
TABLE = 'solum_build'
TIMEOUT = 10


class FilterError(Exception):
    """The deny list is invalid or could not be loaded; says why."""


def host_addresses(ip='ip'):
    """The builder host's non-loopback IPv4 and IPv6 addresses (not the
    link-local fe80::/10 ones, which are no one else's concern)."""
    try:
        interfaces = json.loads(process.output(
            [ip, '-j', 'address', 'show'], timeout=TIMEOUT) or '[]')
    except (process.CommandError, ValueError) as e:
        raise FilterError('cannot list the host\'s addresses with %s: %s'
                          % (ip, e))
    found = []
    for interface in interfaces:
        for info in interface.get('addr_info') or ():
            try:
                address = ipaddress.ip_address(info.get('local', ''))
            except ValueError:
                continue
            if not (address.is_loopback or address.is_link_local):
                found.append(ipaddress.ip_network(address))
    return found


def parse(entries):
    """Validate ``[builder] build_network_deny``: ``host`` or CIDRs.
    Returns (wants the host's addresses, [networks])."""
    networks = []
    wants_host = False
    for entry in entries or ():
        entry = entry.strip()
        if entry == HOST:
            wants_host = True
            continue
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise FilterError(
                '[builder] build_network_deny: %r is neither "host" nor '
                'an IPv4/IPv6 network such as 169.254.0.0/16' % entry)
        if network.is_loopback:
            raise FilterError(
                '[builder] build_network_deny: %s is the build\'s own '
                'loopback (the host\'s is never reachable anyway)' % entry)
        networks.append(network)
    return wants_host, networks


def networks(entries, ip='ip'):
    """The networks to refuse for one build, in a stable order."""
    wants_host, found = parse(entries)
    if wants_host:
        found += host_addresses(ip)
    return sorted(set(found), key=lambda n: (n.version, n))


def ruleset(denied):
    """The nftables table (text for ``nft -f -``) refusing ``denied``;
    addresses are formatted from ipaddress objects, never taken as text."""
    lines = ['table inet %s {' % TABLE, '\tchain output {',
             '\t\ttype filter hook output priority 0; policy accept;']
    for family, version in (('ip', 4), ('ip6', 6)):
        members = [str(n) for n in denied if n.version == version]
        if members:
            elements = '{ %s }' % ', '.join(members)
            lines.append('\t\tmeta l4proto tcp %s daddr %s reject with '
                         'tcp reset' % (family, elements))
            lines.append('\t\t%s daddr %s reject' % (family, elements))
    lines += ['\t}', '}', '']
    return '\n'.join(lines)


def load(enter, denied, nft='nft'):
    """Load the table into a namespace: ``enter(cmd)`` gives the command
    that runs ``cmd`` inside it (BuildNetwork.command)."""
    if not denied:
        return
    try:
        result = subprocess.run(enter([nft, '-f', '-']),
                                input=ruleset(denied), capture_output=True,
                                text=True, timeout=TIMEOUT)
    except (OSError, subprocess.SubprocessError) as e:
        raise FilterError('cannot run %s: %s' % (nft, e))
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or [''])[0]
        raise FilterError('%s exited %d%s' % (
            nft, result.returncode, ': ' + last if last else ''))
