import json

from solum.common import crypto
from solum.db import api as db_api
from solum.tests.unit.api import base


class TestAppsCreate(base.APITestCase):

    def test_create_returns_the_app_without_its_key(self):
        body = {'source': {'repository': 'git@git.example.com:org/a.git',
                           'private': True,
                           'private_ssh_key': 'PRIVATE-KEY-MATERIAL'},
                'workflow_config': {'run_cmd': 'python app.py'},
                'ports': [8080],
                'parameters': {'user_params': {'GREETING': 'hi'}}}
        resp = self.create_app(body=body)
        app = resp.json
        self.assertEqual('hello', app['name'])
        self.assertEqual('CREATED', app['status'])
        self.assertEqual(base.PROJECT_A, app['project_id'])
        self.assertTrue(app['uri'].endswith('/v1/apps/%s' % app['id']))
        self.assertEqual([8080], app['ports'])
        self.assertEqual({'GREETING': 'hi'},
                         app['parameters']['user_params'])
        self.assertNotIn('PRIVATE-KEY-MATERIAL', resp.text)
        self.assertNotIn('private_ssh_key', app['source'])
        self.assertTrue(app['source']['private'])

    def test_private_key_is_encrypted_at_rest(self):
        body = {'source': {'repository': 'git@git.example.com:org/a.git',
                           'private_ssh_key': 'PRIVATE-KEY-MATERIAL'}}
        app_id = self.create_app(body=body).json['id']
        row = db_api.get_app(None, app_id)
        self.assertNotIn('PRIVATE-KEY-MATERIAL', row.private_ssh_key)
        self.assertNotIn('PRIVATE-KEY-MATERIAL', row.raw_content)
        self.assertNotIn('private_ssh_key', row.source)
        self.assertEqual('PRIVATE-KEY-MATERIAL',
                         crypto.decrypt(row.private_ssh_key))

    def test_create_from_yaml(self):
        text = ('version: 1\nname: yamlapp\nlanguagepack: python\n'
                'source:\n  repository: https://git.example.com/y.git\n')
        resp = self.app.post('/v1/apps', text, headers=self.headers(
            **{'Content-Type': 'application/x-yaml'}), status=201)
        self.assertEqual('yamlapp', resp.json['name'])

    def test_yaml_aliases_are_refused(self):
        text = ('version: 1\nname: &n yamlapp\nlanguagepack: python\n'
                'description: *n\n'
                'source:\n  repository: https://git.example.com/y.git\n')
        resp = self.app.post('/v1/apps', text, headers=self.headers(
            **{'Content-Type': 'application/yaml'}), status=400)
        self.assertIn('aliases', resp.json['faultstring'])

    def test_wrong_content_type_is_415(self):
        resp = self.app.post('/v1/apps', 'name=x', headers=self.headers(
            **{'Content-Type': 'application/x-www-form-urlencoded'}),
            status=415)
        self.assertIn('application/json', resp.json['faultstring'])
        self.assertEqual('Client', resp.json['faultcode'])

    def test_body_over_limit_is_413_and_nothing_is_stored(self):
        body = {'description': 'x' * 70000}
        resp = self.create_app(body=body, status=413)
        self.assertIn('65536', resp.json['faultstring'])
        self.assertEqual([], self.get('/v1/apps').json)

    def test_invalid_json_is_400(self):
        resp = self.app.post('/v1/apps', '{"version": 1,',
                             headers=self.headers(
                                 **{'Content-Type': 'application/json'}),
                             status=400)
        self.assertIn('invalid JSON', resp.json['faultstring'])

    def test_unknown_field_is_named(self):
        resp = self.create_app(body={'colour': 'blue'}, status=400)
        self.assertIn('colour', resp.json['faultstring'])

    def test_unknown_nested_field_is_named(self):
        resp = self.create_app(body={'source': {
            'repository': 'https://git.example.com/a.git',
            'password': 'hunter2'}}, status=400)
        self.assertIn('password', resp.json['faultstring'])

    def test_bad_name_says_the_rule(self):
        resp = self.create_app(name='Bad_Name', status=400)
        self.assertIn('lowercase', resp.json['faultstring'])

    def test_missing_required_field(self):
        resp = self.post_json('/v1/apps', {'version': 1, 'name': 'x'},
                              status=400)
        self.assertIn("'languagepack' is a required property",
                      resp.json['faultstring'])

    def test_an_app_without_source_builds_from_its_git_remote(self):
        resp = self.post_json('/v1/apps', {'version': 1, 'name': 'pushed',
                                           'languagepack': 'python'},
                              status=201)
        self.assertEqual({}, resp.json['source'])
        self.assertEqual(resp.json['uri'] + '/git', resp.json['git_url'])
        # Nothing pushed yet: a build has no source to start from.
        resp = self.post_json('/v1/apps/%s/workflows' % resp.json['uuid'],
                              {'actions': ['build', 'deploy']}, status=409)
        self.assertIn('nothing has been pushed to its git remote',
                      resp.json['faultstring'])

    def test_dangerous_repositories_are_refused(self):
        for url in ('ext::sh -c touch% /tmp/pwned',
                    '--upload-pack=touch /tmp/pwned',
                    'fd::17', 'ftp://example.com/repo.git',
                    'https://'):
            resp = self.create_app(body={'source': {'repository': url}},
                                   status=400)
            self.assertIn('source.repository', resp.json['faultstring'],
                          url)

    def test_option_like_revision_is_refused(self):
        resp = self.create_app(body={'source': {
            'repository': 'https://git.example.com/a.git',
            'revision': '--output=/etc/passwd'}}, status=400)
        self.assertIn('git revision', resp.json['faultstring'])

    def test_unknown_language_pack(self):
        resp = self.create_app(body={'languagepack': 'cobol'}, status=400)
        self.assertIn('cobol', resp.json['faultstring'])
        self.assertIn('python', resp.json['faultstring'])

    def test_duplicate_name_is_409(self):
        self.create_app()
        resp = self.create_app(status=409)
        self.assertIn('hello', resp.json['faultstring'])

    def test_same_name_in_another_project(self):
        self.create_app()
        self.create_app(project=base.PROJECT_B)

    def test_quota_names_the_limit(self):
        self.conf.config(apps=2, group='quota')
        self.create_app(name='one')
        self.create_app(name='two')
        resp = self.create_app(name='three', status=403)
        self.assertIn('apps limit of 2', resp.json['faultstring'])

    def test_reader_cannot_create(self):
        resp = self.create_app(roles='reader', status=403)
        self.assertIn('solum:apps:create', resp.json['faultstring'])

    def test_no_identity_is_401(self):
        resp = self.app.get('/v1/apps', status=401)
        self.assertEqual('Client', resp.json['faultcode'])


class TestAppsRead(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.app_id = self.create_app().json['id']

    def test_show_by_uuid_and_name(self):
        self.assertEqual(self.app_id,
                         self.get('/v1/apps/%s' % self.app_id).json['id'])
        self.assertEqual(self.app_id, self.get('/v1/apps/hello').json['id'])

    def test_reader_may_read(self):
        self.get('/v1/apps/hello', roles='reader')
        self.assertEqual(1, len(self.get('/v1/apps', roles='reader').json))

    def test_other_project_gets_404(self):
        self.get('/v1/apps/%s' % self.app_id, project=base.PROJECT_B,
                 status=404)
        self.assertEqual([], self.get('/v1/apps',
                                      project=base.PROJECT_B).json)
        self.delete('/v1/apps/%s' % self.app_id, project=base.PROJECT_B,
                    status=404)

    def test_admin_sees_all_projects_when_asked(self):
        self.create_app(name='other', project=base.PROJECT_B)
        admin = {'roles': 'admin,member,reader', 'project': 'admin-project'}
        self.assertEqual([], self.get('/v1/apps', **admin).json)
        names = {a['name'] for a in
                 self.get('/v1/apps?all_projects=true', **admin).json}
        self.assertEqual({'hello', 'other'}, names)
        self.get('/v1/apps/%s' % self.app_id, **admin)

    def test_member_cannot_list_all_projects(self):
        self.get('/v1/apps?all_projects=true', status=403)

    def test_pagination(self):
        for i in range(4):
            self.create_app(name='app-%d' % i)
        first = self.get('/v1/apps?limit=2').json
        self.assertEqual(2, len(first))
        rest = self.get('/v1/apps?limit=10&marker=%s' % first[-1]['id']).json
        self.assertEqual(3, len(rest))
        self.get('/v1/apps?limit=zero', status=400)

    def test_unknown_app_is_404(self):
        resp = self.get('/v1/apps/nope', status=404)
        self.assertIn('nope', resp.json['faultstring'])


class TestAppsUpdateDelete(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.app_id = self.create_app(body={
            'workflow_config': {'run_cmd': 'python app.py',
                                'test_cmd': 'pytest'}}).json['id']

    def test_patch_merges_nested_dicts(self):
        resp = self.patch_json('/v1/apps/%s' % self.app_id, {
            'source': {'revision': 'v2'},
            'workflow_config': {'test_cmd': 'tox'},
            'description': 'new'})
        app = resp.json
        self.assertEqual({'repository': 'https://git.example.com/a.git',
                          'revision': 'v2'}, app['source'])
        self.assertEqual({'run_cmd': 'python app.py', 'test_cmd': 'tox'},
                         app['workflow_config'])
        self.assertEqual('new', app['description'])

    def test_patch_validates(self):
        self.patch_json('/v1/apps/%s' % self.app_id, {'version': 2},
                        status=400)
        self.patch_json('/v1/apps/%s' % self.app_id, {}, status=400)
        self.patch_json('/v1/apps/%s' % self.app_id,
                        {'source': {'repository': 'ext::x'}}, status=400)

    def test_reader_cannot_patch_or_delete(self):
        self.patch_json('/v1/apps/%s' % self.app_id, {'description': 'x'},
                        roles='reader', status=403)
        self.delete('/v1/apps/%s' % self.app_id, roles='reader', status=403)

    def test_delete_is_asynchronous_and_complete(self):
        wf = self.post_json('/v1/apps/%s/workflows' % self.app_id,
                            {'actions': ['build']}).json
        self.wait_for_workflow(wf['id'])
        # Scaling events are logged under the app, not a workflow.
        db_api.append_log_lines(None, self.app_id, base.PROJECT_A, 'deployer',
                                ['scaled to 2 replica(s)'])
        self.delete('/v1/apps/%s' % self.app_id)
        for _ in range(200):
            if not self.get('/v1/apps').json:
                break
            import time
            time.sleep(0.02)
        self.get('/v1/apps/%s' % self.app_id, status=404)
        self.assertEqual([], db_api.get_log_lines(None, wf['id']))
        self.assertEqual([], db_api.get_log_lines(None, self.app_id))


class TestRawContent(base.APITestCase):

    def test_raw_content_is_the_app_file_without_secrets(self):
        body = {'source': {'repository': 'https://git.example.com/a.git',
                           'private_ssh_key': 'KEY'}}
        raw = json.loads(self.create_app(body=body).json['raw_content'])
        self.assertEqual('hello', raw['name'])
        self.assertNotIn('private_ssh_key', raw['source'])

    def test_patch_refreshes_raw_content_without_secrets(self):
        body = {'description': 'old',
                'source': {'repository': 'https://git.example.com/a.git',
                           'revision': 'main'},
                'workflow_config': {'run_cmd': 'python app.py'}}
        app_id = self.create_app(body=body).json['id']
        resp = self.patch_json('/v1/apps/%s' % app_id, {
            'description': 'new', 'source': {'revision': 'v2',
                                             'private_ssh_key': 'NEWKEY'},
            'ports': [8080]})
        raw = json.loads(resp.json['raw_content'])
        self.assertEqual('new', raw['description'])
        self.assertEqual({'repository': 'https://git.example.com/a.git',
                          'revision': 'v2'}, raw['source'])
        self.assertEqual([8080], raw['ports'])
        # What the PATCH did not touch stays as first given.
        self.assertEqual({'run_cmd': 'python app.py'},
                         raw['workflow_config'])
        self.assertEqual(1, raw['version'])
        self.assertNotIn('NEWKEY', db_api.get_app(None, app_id).raw_content)
        self.assertEqual(raw, json.loads(
            self.get('/v1/apps/%s' % app_id).json['raw_content']))

    def test_patch_rebuilds_raw_content_it_cannot_read(self):
        app_id = self.create_app().json['id']
        db_api.update_app(None, app_id, {'raw_content': None})
        raw = json.loads(self.patch_json('/v1/apps/%s' % app_id, {
            'description': 'd'}).json['raw_content'])
        self.assertEqual(('hello', 'd', 'python'),
                         (raw['name'], raw['description'],
                          raw['languagepack']))
