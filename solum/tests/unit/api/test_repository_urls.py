"""Repository URLs carry no credentials and no ssh options, wherever an
API takes one."""

from solum.common import context
from solum.db import api as db_api
from solum.tests.unit.api import base

SECRET = 'hunter2'
REFUSED = ('https://bob:%s@git.example.com/r.git' % SECRET,
           'https://%s@git.example.com/r.git' % SECRET,
           'ssh://bob:%s@git.example.com/r.git' % SECRET,
           'ssh://-oProxyCommand=x/r', 'git@-oProxy:x',
           'ssh://-oProxyCommand=x@git.example.com/r')


class TestRepositoryURLs(base.APITestCase):

    def assert_refused(self, resp, field, url):
        self.assertEqual('Client', resp.json['faultcode'])
        self.assertIn(field, resp.json['faultstring'])
        self.assertNotIn(SECRET, resp.text)
        if SECRET in url:
            self.assertIn('source.private_ssh_key', resp.json['faultstring'])

    def test_app_source(self):
        self.create_app()
        for url in REFUSED:
            resp = self.create_app(name='cred', status=400, body={
                'source': {'repository': url}})
            self.assert_refused(resp, 'source.repository', url)
            resp = self.patch_json('/v1/apps/hello', {
                'source': {'repository': url}}, status=400)
            self.assert_refused(resp, 'source.repository', url)
        self.assertEqual('https://git.example.com/a.git',
                         self.get('/v1/apps/hello').json['source'][
                             'repository'])

    def test_plan_href(self):
        for url in REFUSED:
            resp = self.post_json('/v1/plans', {
                'version': 1, 'name': 'p', 'artifacts': [{
                    'name': 'web', 'content': {'href': url}}]}, status=400)
            self.assert_refused(resp, 'artifacts.content.href', url)

    def test_language_pack_source_uri(self):
        for url in REFUSED:
            resp = self.post_json('/v1/language_packs', {
                'name': 'lp', 'source_uri': url}, status=400)
            self.assert_refused(resp, 'source_uri', url)

    def test_nothing_was_stored(self):
        for url in REFUSED:
            self.create_app(name='cred', status=400, body={
                'source': {'repository': url}})
        self.assertEqual([], db_api.list_apps(
            context.get_admin_context(), all_projects=True))

    def test_a_deploy_key_over_ssh_is_the_way(self):
        self.create_app(body={'source': {
            'repository': 'git@git.example.com:org/r.git',
            'private_ssh_key': 'KEY'}})
        self.create_app(name='ssh-user', body={'source': {
            'repository': 'ssh://git@git.example.com/org/r.git'}})
