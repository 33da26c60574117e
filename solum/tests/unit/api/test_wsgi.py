"""The WSGI entry point a web server (DevStack's uWSGI) imports."""

import os

import fixtures
import webtest

from solum.api import wsgi
from solum.common import exception
from solum.tests import base


class TestConfigFiles(base.TestCase):

    def test_default_is_etc_solum(self):
        self.assertEqual(['/etc/solum/solum.conf'], wsgi.config_files({}))

    def test_config_dir(self):
        self.assertEqual(['/srv/s/solum.conf'], wsgi.config_files(
            {'OS_SOLUM_CONFIG_DIR': '/srv/s'}))

    def test_config_files_win_over_the_dir(self):
        self.assertEqual(['/a.conf', '/b.conf'], wsgi.config_files(
            {'OS_SOLUM_CONFIG_DIR': '/srv/s',
             'OS_SOLUM_CONFIG_FILES': '/a.conf; /b.conf;'}))


class TestInitApplication(base.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MonkeyPatch(
            'solum.api.wsgi._application', None))
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_SOLUM_CONFIG_FILES'))
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_SOLUM_CONFIG_DIR', self.dir))
        # The web server's process parses the configuration itself, as
        # prepare() does: undo the base class's parse (the config fixture
        # resets it again afterwards).
        wsgi.CONF.clear()

    def write(self, text):
        with open(os.path.join(self.dir, 'solum.conf'), 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n' % self.state_path + text)

    def test_missing_config_is_named(self):
        e = self.assertRaises(exception.ConfigInvalid,
                              wsgi.init_application)
        self.assertIn(os.path.join(self.dir, 'solum.conf'), str(e))

    def test_noauth_is_refused(self):
        self.write('auth_strategy = noauth\n')
        e = self.assertRaises(exception.ConfigInvalid,
                              wsgi.init_application)
        self.assertIn('noauth', str(e))

    def test_keystone_app_under_a_prefix(self):
        """Served below /application_deployment (SCRIPT_NAME), as
        DevStack's web server mounts it: public paths stay public and
        links carry the prefix."""
        self.write('auth_strategy = keystone\n'
                   '[keystone_authtoken]\n'
                   'www_authenticate_uri = http://127.0.0.1:5/identity\n')
        application = wsgi.init_application()
        self.assertIs(application, wsgi.init_application())
        app = webtest.TestApp(application, extra_environ={
            'SCRIPT_NAME': '/application_deployment'})
        body = app.get('/application_deployment/v1').json
        self.assertEqual(
            'http://localhost/application_deployment/v1',
            body['links'][0]['href'])
        self.assertEqual(200, app.get(
            '/application_deployment/healthcheck').status_int)
        app.get('/application_deployment/v1/apps', status=401)
