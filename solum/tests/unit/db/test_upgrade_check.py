"""solum-status upgrade check reports what is wrong; it never crashes."""

from oslo_messaging import transport
from oslo_upgradecheck import upgradecheck

from solum.cmd import status
from solum.common import rpc
from solum.tests import base


class TestConfigurationCheck(base.TestCase):

    def check_transport(self, url):
        # oslo.messaging registers transport_url when it is first used.
        self.conf.register_opts(transport._transport_opts)
        self.conf.config(rpc_transport='messaging', transport_url=url)
        self.addCleanup(rpc.cleanup)
        return status.Checks()._check_config()

    def test_malformed_transport_url_is_a_failure(self):
        for url in ('rabbit://solum:secret@host:notaport/',
                    'rabbit://solum:secret@[::1/', 'nosuchdriver://host/'):
            result = self.check_transport(url)
            self.assertEqual(upgradecheck.Code.FAILURE, result.code, url)
            self.assertIn('transport_url', result.details)
            self.assertNotIn('secret', result.details)

    def test_good_transport_url_passes(self):
        result = self.check_transport('rabbit://solum:secret@host:5672/')
        self.assertEqual(upgradecheck.Code.SUCCESS, result.code,
                         result.details)

    def test_invalid_build_network_deny_is_a_failure(self):
        self.conf.config(build_network_deny=['host', 'intranet'],
                         group='builder')
        self.addCleanup(rpc.cleanup)
        result = status.Checks()._check_config()
        self.assertEqual(upgradecheck.Code.FAILURE, result.code)
        self.assertIn("build_network_deny: 'intranet' is neither",
                      result.details)
