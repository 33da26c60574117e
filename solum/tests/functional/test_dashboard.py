"""The Horizon panel in a real browser: Debian's headless Chromium driven
by Selenium, Horizon (Django's server, on loopback) with solum_dashboard
enabled, logging in through the minicloud's Keystone, against solum-all
with Keystone auth and the local deployer.

Every step saves a screenshot in $SOLUM_TEST_ARTIFACTS/dashboard
(default /tmp/solum-test-artifacts/dashboard).
"""

import os
import shutil
import subprocess
import sys
import time
import urllib.parse

import fixtures
import requests
import testtools

from solum.tests.functional import base
from solum.tests.functional import deployer_fixtures
from solum.tests.functional import samples
from solum.tests.functional.harness import keystone

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
ARTIFACTS = os.path.join(
    os.environ.get('SOLUM_TEST_ARTIFACTS', '/tmp/solum-test-artifacts'),
    'dashboard')
# Compiled SCSS survives between runs (the first page compiles it: slow).
STATIC_CACHE = os.path.expanduser('~/.cache/solum/horizon-static')
APPS = '/project/solum_applications/'
DEPLOY_TIMEOUT = 420

SETTINGS = '''\
"""Horizon for the dashboard's browser test (written by test_dashboard)."""
from openstack_dashboard.settings import *  # noqa
from openstack_dashboard.utils import settings as _utils
import openstack_dashboard.enabled
import solum_dashboard.enabled

# Django serves Horizon's static files itself only with DEBUG.
DEBUG = True
SECRET_KEY = 'browser-test-only'
ALLOWED_HOSTS = ['127.0.0.1', 'localhost']
OPENSTACK_HOST = '127.0.0.1'
OPENSTACK_KEYSTONE_URL = %(keystone)r
SOLUM_URL = %(solum)r
SESSION_ENGINE = 'django.contrib.sessions.backends.cache'
CACHES = {'default': {
    'BACKEND': 'django.core.cache.backends.locmem.LocMemCache'}}
COMPRESS_ENABLED = False
COMPRESS_OFFLINE = False
STATIC_ROOT = %(static)r
COMPRESS_ROOT = STATIC_ROOT
HORIZON_CONFIG['user_home'] = %(home)r
# As if solum_dashboard/enabled/_18*.py were in local/enabled.
HORIZON_CONFIG.pop('dashboards', None)
HORIZON_CONFIG.pop('default_dashboard', None)
_apps = []
_utils.update_dashboards(
    [openstack_dashboard.enabled, solum_dashboard.enabled],
    HORIZON_CONFIG, _apps)
INSTALLED_APPS = list(INSTALLED_APPS) + [
    a for a in _apps if a not in INSTALLED_APPS]
'''


def _unavailable():
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(path):
            return '%s is missing (tools/install-test-packages.sh)' % path
    try:
        import openstack_dashboard  # noqa: F401
        import selenium  # noqa: F401
    except ImportError as e:
        return 'needs the dashboard extra and selenium: %s' % e
    return deployer_fixtures.unavailable()


class TestDashboardInBrowser(base.FunctionalTestCase):
    auth_strategy = 'keystone'
    rpc_transport = 'local'
    deployer_driver = 'local'

    def setUp(self):
        reason = _unavailable()
        if reason:
            self.skipTest(reason)
        try:
            self.cloud = keystone.ensure_keystone()
        except keystone.HarnessError as e:
            self.skipTest('Keystone harness unavailable: %s' % e)
        super().setUp()
        self.useFixture(fixtures.Timeout(1200, gentle=True))
        self.addCleanup(deployer_fixtures.cleanup, 'ft-%s' % self.suffix,
                        self.state_path)
        self.start_service('solum-all')
        self.horizon_url = self.start_horizon()
        shutil.rmtree(ARTIFACTS, ignore_errors=True)
        os.makedirs(ARTIFACTS)
        self.shots = 0

    def extra_config(self):
        return base.keystone_config(self.cloud)

    # ------------------------------------------------------------ Horizon

    def start_horizon(self):
        os.makedirs(STATIC_CACHE, exist_ok=True)
        with open(os.path.join(self.state_path, 'ft_horizon_settings.py'),
                  'w') as f:
            f.write(SETTINGS % {'keystone': self.cloud['auth_url'],
                                'solum': self.base_url,
                                'static': STATIC_CACHE, 'home': APPS})
        port = base.free_port()
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [self.state_path] + sys.path[1:]),
                   DJANGO_SETTINGS_MODULE='ft_horizon_settings')
        log = open(os.path.join(self.state_path, 'horizon.log'), 'ab')  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, '-m', 'django', 'runserver', '--noreload',
             '127.0.0.1:%d' % port], env=env, stdout=log,
            stderr=subprocess.STDOUT, cwd=self.state_path)
        log.close()
        self.addCleanup(self._stop, proc)
        self.addOnException(lambda exc_info: self.addDetail(
            'horizon-log', testtools.content.text_content(
                self._tail('horizon.log'))))
        url = 'http://127.0.0.1:%d' % port

        def answers():
            if proc.poll() is not None:
                self.fail('Horizon exited:\n%s' % self._tail('horizon.log'))
            try:
                return requests.get(url + '/auth/login/',
                                    timeout=5).status_code == 200
            except requests.RequestException:
                return False
        self.wait_until(answers, timeout=120, interval=0.5,
                        what='Horizon to serve its login page')
        return url

    def _tail(self, name):
        try:
            with open(os.path.join(self.state_path, name),
                      errors='replace') as f:
                return ''.join(f.readlines()[-60:])
        except OSError:
            return ''

    @staticmethod
    def _stop(proc):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()

    # ------------------------------------------------------------ browser

    def browser(self):
        from selenium import webdriver
        from selenium.webdriver.chrome import service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ('--headless=new', '--no-sandbox', '--disable-gpu',
                    '--disable-dev-shm-usage', '--no-proxy-server',
                    '--window-size=1400,1000'):
            options.add_argument(arg)
        driver = webdriver.Chrome(
            service=service.Service(executable_path=CHROMEDRIVER),
            options=options)
        driver.set_page_load_timeout(120)
        self.addCleanup(driver.quit)
        return driver

    def shot(self, driver, name):
        self.shots += 1
        path = os.path.join(ARTIFACTS, '%02d-%s.png' % (self.shots, name))
        driver.save_screenshot(path)
        return path

    def wait(self, driver, condition, timeout=60, what=''):
        from selenium.common import exceptions
        from selenium.webdriver.support import ui
        try:
            # Rows are replaced as they refresh: a row found a moment ago
            # may be gone (stale) when read.
            return ui.WebDriverWait(driver, timeout, 0.25, ignored_exceptions=(
                exceptions.StaleElementReferenceException,
                exceptions.NoSuchElementException)).until(condition)
        except exceptions.TimeoutException:
            self.shot(driver, 'failed-waiting')
            self.fail('timed out waiting for %s at %s' % (
                what, driver.current_url))

    def find(self, driver, css, timeout=60):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        return self.wait(driver, ec.visibility_of_element_located(
            (By.CSS_SELECTOR, css)), timeout, what=css)

    def login(self, driver, user):
        creds = self.cloud['users'][user]
        driver.get(self.horizon_url + '/auth/login/')
        self.find(driver, '#id_username').send_keys(creds['name'])
        self.find(driver, '#id_password').send_keys(creds['password'])
        self.shot(driver, '%s-login' % user)
        self.find(driver, '#loginBtn').click()
        self.wait(driver, lambda d: APPS in d.current_url, timeout=120,
                  what='the Applications panel after login')
        self.find(driver, '#apps')

    def row(self, driver, app_id):
        return self.find(driver, '#apps__row__%s' % app_id)

    def cell_text(self, driver, app_id, column):
        from selenium.webdriver.common.by import By
        row = self.row(driver, app_id)
        cells = row.find_elements(By.CSS_SELECTOR, 'td')
        headers = [h.text.strip() for h in driver.find_elements(
            By.CSS_SELECTOR, '#apps thead th')]
        return cells[headers.index(column)].text.strip()

    def wait_status(self, driver, app_id, status, timeout=DEPLOY_TIMEOUT):
        """Waits in the page (its rows refresh by themselves)."""
        def settled(d):
            text = self.cell_text(d, app_id, 'Status')
            if text.startswith('ERROR') or text.endswith('FAILED'):
                self.shot(d, 'failed-%s' % text)
                self.fail('app went %s' % text)
            return text == status
        self.wait(driver, settled, timeout, what='status %s' % status)

    def row_action(self, driver, app_id, action):
        from selenium.webdriver.common.by import By
        row = self.row(driver, app_id)
        ident = 'apps__row_%s__action_%s' % (app_id, action)
        found = row.find_elements(By.ID, ident)
        if not found[0].is_displayed():
            row.find_element(By.CSS_SELECTOR, '.dropdown-toggle').click()
        self.find(driver, '#' + ident).click()

    def choose(self, driver, field_id, value):
        """Picks ``value`` in one of Horizon's themable selects."""
        from selenium.webdriver.common.by import By
        select = driver.find_element(By.ID, field_id)
        widget = select.find_element(By.XPATH, '..')
        widget.find_element(By.CSS_SELECTOR, '.dropdown-toggle').click()
        widget.find_element(
            By.CSS_SELECTOR, 'a[data-select-value="%s"]' % value).click()

    def submit_modal(self, driver):
        from selenium.webdriver.common.by import By
        modal = self.find(driver, '.modal-dialog')
        modal.find_element(By.CSS_SELECTOR, 'input[type=submit]').click()

    def message(self, driver, text, kind='success'):
        """Waits for a message (of the page a form or action led to)."""
        from selenium.webdriver.common.by import By
        return self.wait(driver, lambda d: any(
            text in m.text for m in d.find_elements(
                By.CSS_SELECTOR, '.messages .alert-%s' % kind)),
            what='message %r' % text)

    # --------------------------------------------------------------- app

    def sample_repo(self, greeting):
        return samples.commit_python_sample(
            os.path.join(self.state_path, 'python-hello'), greeting)

    def fetch(self, app_url):
        parts = urllib.parse.urlsplit(app_url)
        return requests.get('http://127.0.0.1:%d%s' % (parts.port,
                                                        parts.path),
                            headers={'Host': parts.netloc}, timeout=10)

    def api(self, user, path):
        token = keystone.get_token(user)
        resp = requests.get(self.base_url + path, timeout=30,
                            headers={'X-Auth-Token': token})
        resp.raise_for_status()
        return resp.json()

    # -------------------------------------------------------------- test

    def test_member_deploys_scales_rolls_back_deletes_reader_reads(self):
        from selenium.webdriver.common.by import By

        started = time.monotonic()
        member = self.browser()
        self.login(member, 'alice')
        self.shot(member, 'apps-empty')
        member.get(self.horizon_url + '/project/solum_languagepacks/')
        self.find(member, '#languagepacks')
        self.shot(member, 'languagepacks')
        member.get(self.horizon_url + APPS)

        # Create, from a local git repository.
        self.find(member, '#apps__action_create').click()
        self.find(member, '#id_name').send_keys('dash-hello')
        member.find_element(By.ID, 'id_git_url').send_keys(
            self.sample_repo('Hello one'))
        member.find_element(By.ID, 'id_revision').send_keys('main')
        self.choose(member, 'id_languagepack', 'python')
        member.find_element(By.ID, 'id_test_cmd').send_keys(
            'python -m unittest -v')
        member.find_element(By.ID, 'id_run_cmd').send_keys(
            'gunicorn --bind 0.0.0.0:8080 app:app')
        member.find_element(By.ID, 'id_ports').send_keys('8080')
        self.shot(member, 'create-form')
        self.submit_modal(member)
        self.message(member, 'Created app dash-hello')
        [app] = self.api('alice', '/v1/apps')
        app_id = app['id']
        self.assertEqual('CREATED', self.cell_text(member, app_id, 'Status'))
        self.shot(member, 'created')

        # Deploy, and wait in the page: the row refreshes by itself.
        self.row_action(member, app_id, 'deploy')
        self.wait(member, lambda d: self.cell_text(d, app_id, 'Status')
                  not in ('CREATED', ''), what='the deploy to start')
        self.shot(member, 'deploying')
        self.wait_status(member, app_id, 'DEPLOYMENT_COMPLETE')
        self.assertEqual('1', self.cell_text(member, app_id,
                                             'Active release'))
        self.assertEqual('1', self.cell_text(member, app_id, 'Replicas'))
        self.shot(member, 'deployed')

        # The URL link leads to the app's own content.
        link = self.row(member, app_id).find_element(
            By.CSS_SELECTOR, 'a.solum-app-url')
        app_url = link.get_attribute('href')
        self.assertIn('dash-hello.', app_url)
        link.click()
        self.wait(member, lambda d: len(d.window_handles) == 2,
                  what='the app in a new tab')
        member.switch_to.window(member.window_handles[1])
        self.wait(member, lambda d: 'Hello one!' in d.find_element(
            By.TAG_NAME, 'body').text, what='the app\'s own page')
        self.shot(member, 'app-page')
        member.close()
        member.switch_to.window(member.window_handles[0])

        # Scale to 2: the Replicas tab shows two, in the router.
        self.row_action(member, app_id, 'scale')
        replicas = self.find(member, '#id_replicas')
        replicas.clear()
        replicas.send_keys('2')
        self.shot(member, 'scale-form')
        self.submit_modal(member)
        self.message(member, '2 replica(s)')
        detail = '%s%s%s/' % (self.horizon_url, APPS, app_id)

        def two_replicas(d):
            d.get(detail + '?tab=app_details__replicas')
            rows = d.find_elements(By.CSS_SELECTOR,
                                   '#replicas tbody tr[data-object-id]')
            return len(rows) == 2 and all(
                'UP' in r.text for r in rows) and rows
        rows = self.wait(member, two_replicas, timeout=120,
                         what='two replicas, both UP in the router')
        self.assertEqual(2, len(rows))
        self.shot(member, 'two-replicas')

        # A second release (a new commit), then roll back to the first.
        # Its log, followed in the Logs tab while the workflow runs.
        self.sample_repo('Hello two')
        member.get(self.horizon_url + APPS)
        self.row_action(member, app_id, 'deploy')
        self.message(member, 'Started deploying')
        member.get(detail + '?tab=app_details__logs')
        self.wait(member, lambda d: 'DEPLOYMENT_COMPLETE' in d.find_element(
            By.ID, 'solum-logs-workflow').text, timeout=DEPLOY_TIMEOUT,
            what='the Logs tab to follow workflow 2 to its end')
        build_log = member.find_element(By.ID, 'solum-build-log').text
        self.assertIn('-> DEPLOYMENT_COMPLETE', build_log)
        self.assertIn('#2 DEPLOYMENT_COMPLETE', member.find_element(
            By.ID, 'solum-logs-workflow').text)
        self.wait(member, lambda d: 'Booting worker' in d.find_element(
            By.ID, 'solum-app-log').text, what='the app log')
        self.shot(member, 'logs')
        member.get(self.horizon_url + APPS)
        self.wait_status(member, app_id, 'DEPLOYMENT_COMPLETE')
        self.assertTrue(self.fetch(app_url).text.startswith('Hello two!'))
        member.get(detail + '?tab=app_details__releases')
        self.find(member, '#releases__row_1__action_rollback_to').click()
        self.find(member, '#rollback_app_form')
        self.shot(member, 'rollback-form')
        self.submit_modal(member)
        self.message(member, 'Rolling back to release 1')
        self.wait_status(member, app_id, 'DEPLOYMENT_COMPLETE')
        self.assertEqual('3', self.cell_text(member, app_id,
                                             'Active release'))
        self.assertTrue(self.fetch(app_url).text.startswith('Hello one!'))
        member.get(detail + '?tab=app_details__workflows')
        self.find(member, '#workflows')
        self.assertIn('deploy: passed', member.find_element(
            By.ID, 'workflows').text)
        self.shot(member, 'rolled-back-workflows')

        # A reader of the project sees the app and no write action.
        reader = self.browser()
        self.login(reader, 'rita')
        self.row(reader, app_id)
        page = reader.page_source
        for action in ('apps__action_create', 'action_deploy',
                       'action_scale', 'action_rollback', 'action_delete'):
            self.assertNotIn(action, page)
        self.shot(reader, 'reader-apps')
        reader.get(detail + '?tab=app_details__releases')
        self.find(reader, '#releases')
        page = reader.page_source
        for action in ('action_rollback', 'action_delete', 'action_deploy',
                       'action_scale'):
            self.assertNotIn(action, page)
        self.shot(reader, 'reader-releases')

        # Delete, with its confirmation; the row goes by itself.
        member.get(self.horizon_url + APPS)
        self.row_action(member, app_id, 'delete')
        confirm = self.find(member, '.modal-dialog .btn-danger')
        self.shot(member, 'delete-confirm')
        confirm.click()
        self.message(member, 'Deleting app')
        self.wait(member, lambda d: not d.find_elements(
            By.ID, 'apps__row__%s' % app_id), timeout=180,
            what='the deleted app\'s row to go')
        self.shot(member, 'deleted')
        self.assertEqual([], self.api('alice', '/v1/apps'))
        print('browser test: %.0f s, screenshots in %s' % (
            time.monotonic() - started, ARTIFACTS))
