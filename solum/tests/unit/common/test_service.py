import testtools

from solum.common import exception
from solum.common import service
from solum.tests import base


class TestLoopbackOnly(base.TestCase):

    def test_is_loopback(self):
        self.assertTrue(service.is_loopback('127.0.0.1'))
        self.assertTrue(service.is_loopback('::1'))
        self.assertTrue(service.is_loopback('localhost'))
        self.assertFalse(service.is_loopback('0.0.0.0'))
        self.assertFalse(service.is_loopback('192.0.2.10'))
        self.assertFalse(service.is_loopback('no-such-host.invalid'))

    def test_noauth_refuses_other_addresses(self):
        self.conf.config(auth_strategy='noauth')
        error = self.assertRaises(exception.ConfigInvalid,
                                  service.check_listen_address, '0.0.0.0')
        self.assertIn('loopback', str(error))
        service.check_listen_address('127.0.0.1')

    def test_keystone_may_listen_anywhere(self):
        self.conf.config(auth_strategy='keystone')
        service.check_listen_address('0.0.0.0')


class TestCrypto(base.TestCase):

    def test_round_trip_and_rotation(self):
        from cryptography import fernet

        from solum.common import crypto
        token = crypto.encrypt('secret key')
        self.assertNotIn('secret key', token)
        self.assertEqual('secret key', crypto.decrypt(token))
        old = self.conf.conf.security.secret_key
        self.conf.config(secret_key=fernet.Fernet.generate_key().decode(),
                         old_secret_keys=[old], group='security')
        self.assertEqual('secret key', crypto.decrypt(token))

    def test_generated_key_is_kept(self):
        from solum.common import crypto
        self.conf.config(secret_key=None, group='security')
        token = crypto.encrypt('x')
        self.assertEqual('x', crypto.decrypt(token))
        with open('%s/secret.key' % self.state_path) as f:
            self.assertEqual(44, len(f.read().strip()))


class TestExceptions(testtools.TestCase):

    def test_message_formatting(self):
        error = exception.QuotaExceeded(resource='apps', limit=3)
        self.assertEqual(403, error.code)
        self.assertIn('apps limit of 3', str(error))


class TestTrusts(base.TestCase):

    def test_trusts_only_in_keystone_mode(self):
        from solum.common import keystone
        self.conf.config(auth_strategy='noauth')
        self.assertFalse(keystone.trusts_enabled())
        self.conf.config(auth_strategy='keystone')
        self.assertTrue(keystone.trusts_enabled())
        self.conf.config(enabled=False, group='trust')
        self.assertFalse(keystone.trusts_enabled())

    def test_nothing_to_delegate_is_forbidden(self):
        from solum.common import context
        from solum.common import keystone
        ctx = context.RequestContext(user_id='u', project_id='p',
                                     roles=['observer'], auth_token='t')
        error = self.assertRaises(exception.Forbidden,
                                  keystone.create_trust, ctx)
        self.assertIn('member', str(error))
