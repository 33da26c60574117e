from solum.common import redact
from solum.tests import base


class TestUrlCredentials(base.TestCase):

    def test_passwords_go_users_stay(self):
        self.assertEqual('https://u:***@h/r.git',
                         redact.url_credentials('https://u:secret@h/r.git'))
        self.assertEqual(
            'cannot parse rabbit://solum:***@host:x/ (port)',
            redact.url_credentials(
                'cannot parse rabbit://solum:s3cr@t!@host:x/ (port)'))

    def test_a_lone_https_user_is_a_token(self):
        self.assertEqual('https://***@github.com/o/r.git',
                         redact.url_credentials(
                             'https://ghp_abc123@github.com/o/r.git'))
        # ssh's user is a login name, not a secret.
        self.assertEqual('ssh://git@host/r.git',
                         redact.url_credentials('ssh://git@host/r.git'))

    def test_text_without_credentials_is_unchanged(self):
        for text in ('https://host/r.git', 'git@host:r.git', '/srv/r', ''):
            self.assertEqual(text, redact.url_credentials(text))
