"""Keystone's v3 URL from [service_auth] auth_url, versioned or not."""

import fixtures
from oslo_config import cfg

from solum.common import keystone
from solum.tests import base


class TestAuthURL(base.TestCase):

    def url(self, value):
        # The password plugin, once loaded, registers auth_url.
        self.useFixture(fixtures.MockPatchObject(keystone,
                                                 '_service_plugin'))
        self.conf.register_opt(cfg.StrOpt('auth_url'), group='service_auth')
        self.conf.config(auth_url=value, group='service_auth')
        return keystone._auth_url()

    def test_versioned_stays(self):
        self.assertEqual('http://k:5000/v3', self.url('http://k:5000/v3/'))

    def test_versionless_gets_v3(self):
        # DevStack's KEYSTONE_SERVICE_URI
        self.assertEqual('http://k/identity/v3',
                         self.url('http://k/identity'))
