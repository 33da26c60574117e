"""An app from a git repository, deployed, scaled, rolled back and
deleted, the way a user of the cloud does it.

The repository is a local one the test makes (the builder runs on the
same host in an all-in-one DevStack; Solum accepts file:// sources
unless [builder] allow_local_repositories is off): a stdlib-only Python
web server that answers with a token of this test's, so that the app's
URL is seen serving the app's own content, release by release.
"""

import os
import shutil
import subprocess
import tempfile
import uuid
from urllib import parse

import urllib3
from tempest import config
from tempest.lib import decorators
from tempest.lib import exceptions as lib_exc

from solum.tests.tempest import base
from solum.tests.tempest.services import clients

CONF = config.CONF

APP_PY = '''\
import http.server

with open('content.txt', 'rb') as f:
    CONTENT = f.read()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(CONTENT)))
        self.end_headers()
        self.wfile.write(CONTENT)


http.server.ThreadingHTTPServer(('0.0.0.0', 8080), Handler).serve_forever()
'''


class GitRepository:
    """A git repository of the app; ``commit(content)`` makes a new
    revision whose app answers ``content``."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix='solum-tempest-')
        self._git('init', '-q', '-b', 'main')
        with open(os.path.join(self.path, 'app.py'), 'w') as f:
            f.write(APP_PY)
        with open(os.path.join(self.path, 'requirements.txt'), 'w') as f:
            f.write('# the standard library is enough\n')

    @property
    def url(self):
        return 'file://%s' % self.path

    def _git(self, *args):
        subprocess.run(['git', '-C', self.path, '-c', 'user.name=tempest',
                        '-c', 'user.email=tempest@example.invalid', *args],
                       check=True, capture_output=True, timeout=60)

    def commit(self, content):
        with open(os.path.join(self.path, 'content.txt'), 'w') as f:
            f.write(content)
        self._git('add', '-A')
        self._git('commit', '-q', '-m', content)

    def remove(self):
        shutil.rmtree(self.path, ignore_errors=True)


class TestAppLifecycle(base.SolumBaseTest):

    @classmethod
    def setup_clients(cls):
        super().setup_clients()
        params = config.service_client_config()
        params.pop('region', None)
        if CONF.solum.deployer_driver == 'heat':
            cls.heat = clients.OrchestrationClient(
                cls.os_project_member.auth_provider, 'orchestration',
                CONF.identity.region, **params)
        if CONF.solum.image_store == 'glance':
            cls.images = cls.os_project_member.image_client_v2
        cls.trusts = cls.os_project_admin.trusts_client

    def setUp(self):
        super().setUp()
        self.repo = GitRepository()
        self.addCleanup(self.repo.remove)
        self.http = urllib3.PoolManager(retries=False)

    def deploy(self, app):
        return self.run_workflow(app['id'], ['build', 'deploy'])

    def fetch(self, url):
        # *.localhost names (the local router's app host names) resolve
        # to loopback in browsers and curl, not in Python's resolver.
        parts = parse.urlsplit(url)
        headers = {}
        if parts.hostname and parts.hostname.endswith('.localhost'):
            headers['Host'] = parts.netloc
            url = parse.urlunsplit(parts._replace(
                netloc='127.0.0.1:%d' % (parts.port or 80)))
        try:
            resp = self.http.request('GET', url, headers=headers, timeout=5)
        except urllib3.exceptions.HTTPError:
            return None
        return resp.data.decode(errors='replace') if resp.status == 200 \
            else None

    def wait_serving(self, app, content):
        _resp, shown = self.member.show_app(app['id'])
        url = shown['app_url']
        self.assertTrue(url, shown)
        return self.wait_for(
            lambda: self.fetch(url) == content and url, timeout=120,
            interval=1, what='%s to answer %r (last: %r)' % (
                url, content, self.fetch(url)))

    def app_trusts(self, app):
        user_id = self.os_project_member.credentials.user_id
        body = self.trusts.list_trusts(trustor_user_id=user_id)
        return [t['id'] for t in body['trusts']
                if t['project_id'] == app['project_id']]

    def glance_images(self, app):
        body = self.images.list_images(params={'solum_app': app['id']})
        return [i['id'] for i in body['images']]

    @decorators.attr(type='slow')
    @decorators.idempotent_id('6b0b7d0e-3d8e-4c63-9d6e-0a1d7d8f2a10')
    def test_deploy_scale_rollback_delete(self):
        """From git to running releases and back to nothing: no stack,
        no image in Glance, no trust and no app left."""
        self.repo.commit('release one %s' % uuid.uuid4().hex)
        app = self.create_app(repository=self.repo.url)
        self.assertTrue(self.app_trusts(app), 'the app has no trust')

        first = self.deploy(app)
        self.assertEqual(1, first['result']['release'])
        _resp, shown = self.member.show_app(app['id'])
        self.assertEqual('DEPLOYMENT_COMPLETE', shown['status'])
        self.assertTrue(shown['app_url'])
        if CONF.solum.deployer_driver == 'heat':
            self.assertTrue(self.heat.stack_exists(self.stack_name(app)))
        if CONF.solum.image_store == 'glance':
            self.assertEqual(1, len(self.glance_images(app)))

        self.member.scale(app['id'], 2)
        self.wait_for(lambda: len(self.member.replicas(app['id'])[1]) == 2,
                      what='two replicas of %s' % app['name'])

        self.repo.commit('release two %s' % uuid.uuid4().hex)
        second = self.deploy(app)
        self.assertEqual(2, second['result']['release'])
        _resp, wf = self.member.rollback(app['id'])
        self.wait_for(lambda: self._active_release(app) == 1,
                      what='release 1 of %s to be active again' %
                      app['name'])
        _resp, releases = self.member.list_releases(app['id'])
        self.assertEqual([1, 2, 3], [r['number'] for r in releases])
        self.assertEqual(1, releases[-1]['rollback_of'] or
                         self._active_release(app))

        self.delete_app_and_wait(self.member, app['id'])
        self.assertRaises(lib_exc.NotFound, self.member.list_releases,
                          app['id'])
        self.assertEqual([], self.app_trusts(app))
        if CONF.solum.deployer_driver == 'heat':
            self.assertFalse(self.heat.stack_exists(self.stack_name(app)))
        if CONF.solum.image_store == 'glance':
            self.assertEqual([], self.glance_images(app))
        _resp, apps = self.admin.list_apps(all_projects=True)
        self.assertNotIn(app['id'], [a['id'] for a in apps])

    def _active_release(self, app):
        _resp, releases = self.member.list_releases(app['id'])
        active = [r for r in releases if r['status'] == 'ACTIVE']
        if not active:
            return None
        release = active[-1]
        return release['rollback_of'] or release['number']

    @staticmethod
    def stack_name(app):
        return 'solum-%s-%s' % (app['name'], app['id'][:8])

    @decorators.attr(type='slow')
    @decorators.idempotent_id('6b0b7d0e-3d8e-4c63-9d6e-0a1d7d8f2a11')
    def test_app_url_serves_the_apps_own_content(self):
        """The URL answers with what the repository's app serves, one
        release after the other, and the first one again on rollback."""
        if not CONF.solum.apps_reachable:
            raise self.skipException(
                '[solum] apps_reachable is False: the %s driver\'s app '
                'servers do not answer here (under Nova\'s fake virt driver '
                'no server really boots, so no container host runs the '
                'app)' % CONF.solum.deployer_driver)
        one = 'release one %s' % uuid.uuid4().hex
        self.repo.commit(one)
        app = self.create_app(repository=self.repo.url)
        self.deploy(app)
        url = self.wait_serving(app, one)
        two = 'release two %s' % uuid.uuid4().hex
        self.repo.commit(two)
        self.deploy(app)
        self.assertEqual(url, self.wait_serving(app, two))
        self.member.rollback(app['id'])
        self.assertEqual(url, self.wait_serving(app, one))
        self.delete_app_and_wait(self.member, app['id'])
        self.wait_for(lambda: self.fetch(url) != one, timeout=60,
                      what='%s to stop serving the deleted app' % url)
