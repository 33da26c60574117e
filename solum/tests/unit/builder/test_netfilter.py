"""The build network's deny list (solum.builder.netfilter): parsing the
option, finding the host's addresses, the nftables table it loads."""

import ipaddress
import json
import os
import sys

import fixtures

from solum.builder import netfilter
from solum.tests import base

IP_JSON = [
    {'ifname': 'lo', 'addr_info': [
        {'family': 'inet', 'local': '127.0.0.1'},
        {'family': 'inet6', 'local': '::1'}]},
    {'ifname': 'eth0', 'addr_info': [
        {'family': 'inet', 'local': '192.0.2.2'},
        {'family': 'inet6', 'local': '2001:db8::2'},
        {'family': 'inet6', 'local': 'fe80::1'}]},
    {'ifname': 'cni0', 'addr_info': [{'family': 'inet',
                                      'local': '10.88.0.1'}]},
    {'ifname': 'down0'},
]


def net(text):
    return ipaddress.ip_network(text)


class TestParse(base.TestCase):

    def test_host_and_networks(self):
        self.assertEqual((True, [net('169.254.0.0/16'), net('10.0.0.0/8'),
                                 net('fd00::/8')]),
                         netfilter.parse(['host', '169.254.0.0/16',
                                          ' 10.1.2.3/8', 'fd00::/8']))
        self.assertEqual((False, []), netfilter.parse([]))

    def test_invalid_entries_say_what_to_write(self):
        for entry in ('intranet', '10.0.0.0/33', '10.0.0.0/8; flush',
                      '-f'):
            e = self.assertRaises(netfilter.FilterError, netfilter.parse,
                                  [entry])
            self.assertIn('%r is neither "host" nor' % entry, str(e))

    def test_loopback_is_refused(self):
        e = self.assertRaises(netfilter.FilterError, netfilter.parse,
                              ['127.0.0.0/8'])
        self.assertIn("the build's own loopback", str(e))


class TestHostAddresses(base.TestCase):

    def fake_ip(self, output, rc=0):
        tmp = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(tmp, 'ip')
        with open(path, 'w') as f:
            f.write('#!%s\nimport sys\nsys.stdout.write(%r)\nsys.exit(%d)\n'
                    % (sys.executable, output, rc))
        os.chmod(path, 0o700)
        return path

    def test_every_address_but_loopback_and_link_local(self):
        ip = self.fake_ip(json.dumps(IP_JSON))
        self.assertEqual([net('192.0.2.2'), net('2001:db8::2'),
                          net('10.88.0.1')], netfilter.host_addresses(ip))

    def test_networks_merges_and_orders(self):
        ip = self.fake_ip(json.dumps(IP_JSON))
        self.assertEqual(
            ['10.88.0.1/32', '169.254.0.0/16', '192.0.2.2/32',
             '2001:db8::2/128'],
            [str(n) for n in netfilter.networks(
                ['169.254.0.0/16', 'host', '192.0.2.2'], ip)])
        self.assertEqual([], netfilter.networks([], ip='/nonexistent'))

    def test_failures_say_why(self):
        for ip in (self.fake_ip('', rc=1), self.fake_ip('not json'),
                   '/nonexistent/ip'):
            e = self.assertRaises(netfilter.FilterError,
                                  netfilter.host_addresses, ip)
            self.assertIn("cannot list the host's addresses with", str(e))


class TestRuleset(base.TestCase):

    def test_both_families_refused_at_once(self):
        text = netfilter.ruleset([net('169.254.0.0/16'), net('192.0.2.2'),
                                  net('2001:db8::2')])
        self.assertIn('table inet solum_build {', text)
        self.assertIn('type filter hook output priority 0; policy accept;',
                      text)
        self.assertIn('meta l4proto tcp ip daddr { 169.254.0.0/16, '
                      '192.0.2.2/32 } reject with tcp reset', text)
        self.assertIn('\tip daddr { 169.254.0.0/16, 192.0.2.2/32 } reject\n',
                      text)
        self.assertIn('ip6 daddr { 2001:db8::2/128 } reject', text)

    def test_one_family_only(self):
        self.assertNotIn('ip6', netfilter.ruleset([net('10.0.0.0/8')]))

    def test_load_runs_nft_inside_the_namespace(self):
        calls = []

        def run(cmd, **kw):
            calls.append((cmd, kw['input']))
            return type('R', (), {'returncode': 0, 'stderr': ''})()
        self.useFixture(fixtures.MonkeyPatch(
            'solum.builder.netfilter.subprocess.run', run))
        netfilter.load(lambda cmd: ['nsenter', '--net=/proc/7/ns/net',
                                    '--'] + cmd, [net('10.0.0.0/8')])
        (cmd, ruleset), = calls
        self.assertEqual(['nsenter', '--net=/proc/7/ns/net', '--', 'nft',
                          '-f', '-'], cmd)
        self.assertIn('10.0.0.0/8', ruleset)
        netfilter.load(lambda cmd: cmd, [])
        self.assertEqual(1, len(calls))
