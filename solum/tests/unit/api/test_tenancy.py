"""Names resolve only in the caller's project; an administrator reaches
other projects' resources by uuid alone."""

import webtest

from solum.api import app as api_app
from solum.common import exception
from solum.db import api as db_api
from solum.tests import base as test_base
from solum.tests.unit.api import base

ADMIN_B = {'project': base.PROJECT_B, 'roles': 'admin,member,reader'}


class TestNamesStayInTheirProject(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.app_a = self.create_app().json

    def test_admin_elsewhere_does_not_get_another_projects_app_by_name(self):
        self.get('/v1/apps/hello', status=404, **ADMIN_B)
        self.patch_json('/v1/apps/hello', {'description': 'mine now'},
                        status=404, **ADMIN_B)
        self.delete('/v1/apps/hello', status=404, **ADMIN_B)
        self.get('/v1/apps/hello/workflows', status=404, **ADMIN_B)
        app = self.get('/v1/apps/hello').json
        self.assertIsNone(app['description'])
        self.assertEqual('CREATED', app['status'])

    def test_admin_gets_their_own_app_of_the_same_name(self):
        own = self.create_app(**ADMIN_B).json
        self.assertEqual(own['id'],
                         self.get('/v1/apps/hello', **ADMIN_B).json['id'])
        self.patch_json('/v1/apps/hello', {'description': 'b'}, **ADMIN_B)
        self.assertIsNone(self.get('/v1/apps/hello').json['description'])

    def test_admin_reaches_another_project_by_uuid(self):
        path = '/v1/apps/%s' % self.app_a['id']
        self.assertEqual(base.PROJECT_A,
                         self.get(path, **ADMIN_B).json['project_id'])
        self.patch_json(path, {'description': 'by uuid'}, **ADMIN_B)
        self.assertEqual('by uuid',
                         self.get('/v1/apps/hello').json['description'])

    def test_language_packs_by_name(self):
        lp = self.post_json('/v1/language_packs', {
            'name': 'java17', 'source_uri': 'https://h/lp.git'}).json
        self.get('/v1/language_packs/java17', status=404, **ADMIN_B)
        self.delete('/v1/language_packs/java17', status=404, **ADMIN_B)
        self.get('/v1/language_packs/%s' % lp['id'], **ADMIN_B)
        # Nor may another project's pack be named in an app file.
        resp = self.create_app(name='b-app', status=400, body={
            'languagepack': 'java17'}, **ADMIN_B)
        self.assertIn('java17', resp.json['faultstring'])

    def test_a_language_pack_is_named_in_the_apps_project(self):
        self.post_json('/v1/language_packs', {
            'name': 'java17', 'source_uri': 'https://h/lp.git'})
        path = '/v1/apps/%s' % self.app_a['id']
        self.patch_json(path, {'languagepack': 'java17'}, **ADMIN_B)
        self.post_json('/v1/language_packs', {
            'name': 'only-b', 'source_uri': 'https://h/lp.git'},
            **ADMIN_B)
        resp = self.patch_json(path, {'languagepack': 'only-b'},
                               status=400, **ADMIN_B)
        self.assertIn('only-b', resp.json['faultstring'])

    def test_internal_lookups_by_name_find_nothing(self):
        # Without a project a name means nothing; services use uuids.
        self.assertRaises(exception.NotFound, db_api.get_app, None,
                          'hello')
        self.assertEqual(self.app_a['id'],
                         db_api.get_app(None, self.app_a['id']).uuid)


class TestMarkersStayInTheirList(base.APITestCase):

    def test_another_projects_marker_is_not_found(self):
        self.create_app()
        other = self.create_app(name='other', project=base.PROJECT_B).json
        resp = self.get('/v1/apps?marker=%s' % other['id'], status=400)
        self.assertIn('marker', resp.json['faultstring'])
        # All projects' listing does hold it.
        self.get('/v1/apps?all_projects=true&marker=%s' % other['id'],
                 roles='admin,member,reader')

    def test_another_apps_workflow_is_not_a_marker(self):
        self.create_app()
        self.create_app(name='other')
        wf = self.post_json('/v1/apps/other/workflows',
                            {'actions': ['build']}).json
        self.get('/v1/apps/hello/workflows?marker=%s' % wf['id'],
                 status=400)
        self.get('/v1/apps/other/workflows?marker=%s' % wf['id'])

    def test_plans_and_language_packs(self):
        plan = self.post_json('/v1/plans', {'version': 1, 'name': 'p'},
                              project=base.PROJECT_B).json
        lp = self.post_json('/v1/language_packs', {
            'name': 'lp', 'source_uri': 'https://h/lp.git'},
            project=base.PROJECT_B).json
        self.get('/v1/plans?marker=%s' % plan['id'], status=400)
        self.get('/v1/language_packs?marker=%s' % lp['id'], status=400)
        self.get('/v1/plans?marker=%00', status=400)


class TestNoauthNames(test_base.DbTestCase):
    """noauth acts as an administrator of one project: names work."""

    def test_name_lookup(self):
        self.conf.config(auth_strategy='noauth')
        app = webtest.TestApp(api_app.load_app())
        created = app.post_json('/v1/apps', {
            'version': 1, 'name': 'x', 'languagepack': 'python',
            'source': {'repository': 'https://g.example.com/x.git'}}).json
        self.assertEqual(created['id'], app.get('/v1/apps/x').json['id'])
        app.patch_json('/v1/apps/x', {'description': 'd'})
        self.assertEqual('d', app.get('/v1/apps/x').json['description'])
