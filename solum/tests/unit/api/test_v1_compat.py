"""What Solum v1 clients send and look up: tolerant parsing (solum.api.compat)
in front of the strict schemas, the built-in language packs as resources,
upstream's platform document, /v1/extensions and the 501 resources."""

import json
import uuid

import yaml

from solum.api import compat
from solum.api import policies
from solum.common import exception
from solum.common import languagepacks
from solum.tests import base as test_base
from solum.tests.unit.api import base

LP = '/v1/language_packs'
PLAN_YAML = 'version: "1"\nname: up\nproject_id: someone\nuser_id: me\n'


class TestCompatModule(test_base.TestCase):
    """The document changes alone, before any schema."""

    def test_lp_metadata(self):
        self.assertEqual({'name': 'x'}, compat.language_pack(
            {'name': 'x', 'lp_metadata': None}))
        self.assertEqual({'lp_metadata': {'os': 'debian'}},
                         compat.language_pack(
                             {'lp_metadata': '{"os": "debian"}'}))
        self.assertEqual({'lp_metadata': {'a': 1}},
                         compat.language_pack({'lp_metadata': {'a': 1}}))
        for bad in ('[1, 2]', '"text"', 'not json', '', 'NaN', '{"a": ',
                    '[' * 5000):
            e = self.assertRaises(exception.InvalidInput,
                                  compat.language_pack, {'lp_metadata': bad})
            self.assertIn('lp_metadata: a string must hold a JSON-encoded '
                          'object', str(e))
        e = self.assertRaises(exception.InvalidInput, compat.language_pack,
                              {'lp_metadata': '{"a": "\\u0000"}'})
        self.assertIn('lp_metadata: a: strings may not contain NUL', str(e))
        # Other types are left to the schema.
        self.assertEqual({'lp_metadata': []},
                         compat.language_pack({'lp_metadata': []}))

    def test_plan_version(self):
        self.assertEqual(1, compat.plan({'version': '1'})['version'])
        self.assertEqual(1, compat.plan({'version': 1})['version'])
        for other in ('2', '1.0', ' 1', 2, None, True):
            self.assertEqual(other, compat.plan({'version': other})[
                'version'])

    def test_app_version_default_and_owner_fields(self):
        self.assertEqual({'version': 1, 'name': 'a'}, compat.app(
            {'name': 'a', 'project_id': 'p', 'user_id': 'u'}))
        self.assertEqual({'version': 2}, compat.app({'version': 2}))
        self.assertEqual({}, compat.app_update({'project_id': 'p'}))
        self.assertEqual({'actions': ['build']}, compat.workflow(
            {'actions': ['build'], 'user_id': 'u'}))

    def test_non_objects_pass_unchanged(self):
        for fn in (compat.app, compat.app_update, compat.plan,
                   compat.language_pack, compat.workflow):
            for value in ([], 'x', None, 3):
                self.assertEqual(value, fn(value))


class TestTolerantBodies(base.APITestCase):

    def post_yaml(self, path, text, status=201, content_type=None):
        return self.app.post(path, text, headers=self.headers(**{
            'Content-Type': content_type or 'application/x-yaml'}),
            status=status)

    def test_lp_metadata_null_string_object(self):
        lp = self.post_json(LP, {'name': 'lp-null', 'source_uri':
                                 'https://h/lp.git', 'lp_metadata': None,
                                 'lp_params': {}}).json
        # As when it is left out.
        self.assertEqual({}, lp['lp_metadata'])
        lp = self.post_json(LP, {'name': 'lp-str', 'source_uri':
                                 'https://h/lp.git',
                                 'lp_metadata': json.dumps({'os': 'deb'})})
        self.assertEqual({'os': 'deb'}, lp.json['lp_metadata'])
        self.assertEqual({'os': 'deb'},
                         self.get('%s/lp-str' % LP).json['lp_metadata'])
        resp = self.post_yaml(LP, 'name: lp-yaml\nsource_uri: https://h/l\n'
                              'lp_metadata: \'{"os": "deb"}\'\n')
        self.assertEqual({'os': 'deb'}, resp.json['lp_metadata'])
        resp = self.post_yaml(LP, 'name: lp-ynull\nsource_uri: https://h/l\n'
                              'lp_metadata:\n')
        self.assertEqual({}, resp.json['lp_metadata'])

    def test_lp_metadata_still_validated(self):
        body = {'name': 'bad', 'source_uri': 'https://h/lp.git'}
        resp = self.post_json(LP, dict(body, lp_metadata='[1]'), status=400)
        self.assertIn('JSON-encoded object', resp.json['faultstring'])
        self.assertEqual('Client', resp.json['faultcode'])
        # Decoded, it meets the same schema as an object.
        resp = self.post_json(LP, dict(body, lp_metadata='{"a": [1]}'),
                              status=400)
        self.assertIn('lp_metadata.a', resp.json['faultstring'])
        resp = self.post_json(LP, dict(body, lp_metadata=7), status=400)
        self.assertIn("7 is not of type 'object'", resp.json['faultstring'])
        self.assertEqual([], [x for x in self.get(LP).json
                              if not x['builtin']])

    def test_plan_version_string_and_owner_fields(self):
        for content_type in ('application/x-yaml', 'x-application/yaml'):
            resp = self.post_yaml('/v1/plans', PLAN_YAML,
                                  content_type=content_type)
            plan = resp.json
            self.assertEqual(1, plan['version'])
            self.assertEqual(base.PROJECT_A, plan['project_id'])
            self.assertEqual('user-1', plan['user_id'])
        plan = self.post_json('/v1/plans', {
            'version': '1', 'name': 'j', 'project_id': base.PROJECT_B}).json
        self.assertEqual((1, base.PROJECT_A),
                         (plan['version'], plan['project_id']))
        resp = self.app.put_json('/v1/plans/%s' % plan['uuid'], {
            'version': '1', 'name': 'j2', 'user_id': 'x'},
            headers=self.headers())
        self.assertEqual(('j2', 'user-1'), (resp.json['name'],
                                            resp.json['user_id']))

    def test_plan_other_versions_still_400(self):
        for version in ('"2"', '"1.0"', '2', '"one"'):
            resp = self.post_yaml('/v1/plans', 'version: %s\nname: x\n' %
                                  version, status=400)
            self.assertIn('version', resp.json['faultstring'])
        resp = self.post_yaml('/v1/plans', 'name: x\n', status=400)
        self.assertIn("'version' is a required property",
                      resp.json['faultstring'])
        # Other unknown fields stay refused.
        resp = self.post_yaml('/v1/plans', PLAN_YAML + 'owner: x\n',
                              status=400)
        self.assertIn('unknown field', resp.json['faultstring'])

    def test_app_without_version_and_with_owner_fields(self):
        resp = self.post_json('/v1/apps', {
            'name': 'nov', 'languagepack': 'python',
            'project_id': base.PROJECT_B, 'user_id': 'intruder',
            'source': {'repository': 'https://git.example.com/a.git'}})
        app = resp.json
        self.assertEqual((base.PROJECT_A, 'user-1'),
                         (app['project_id'], app['user_id']))
        self.assertEqual(1, json.loads(app['raw_content'])['version'])
        self.assertNotIn('project_id', json.loads(app['raw_content']))
        self.get('/v1/apps/nov', project=base.PROJECT_B, status=404)
        resp = self.post_yaml('/v1/apps', 'name: nov-yaml\nlanguagepack: '
                              'auto\nsource:\n  repository: https://h/r\n')
        self.assertEqual('nov-yaml', resp.json['name'])
        app = self.patch_json('/v1/apps/nov', {'description': 'd',
                                               'project_id': 'x'}).json
        self.assertEqual(('d', base.PROJECT_A), (app['description'],
                                                 app['project_id']))
        resp = self.patch_json('/v1/apps/nov', {'user_id': 'x'}, status=400)
        self.assertEqual('body: {} should be non-empty',
                         resp.json['faultstring'])

    def test_app_other_versions_and_fields_still_400(self):
        resp = self.create_app(name='v2', body={'version': 2}, status=400)
        self.assertIn('version', resp.json['faultstring'])
        resp = self.create_app(name='v1s', body={'version': '1'}, status=400)
        self.assertIn('version', resp.json['faultstring'])
        resp = self.create_app(name='rt', body={'repo_token': 'ghp_x'},
                               status=400)
        self.assertIn('repo_token: this API keeps no repository tokens',
                      resp.json['faultstring'])
        self.assertNotIn('ghp_x', resp.json['faultstring'])
        resp = self.create_app(name='rt', body={'repo_tokens': ''},
                               status=400)
        self.assertIn('unknown field', resp.json['faultstring'])

    def test_app_empty_repo_token_of_the_v1_client_accepted(self):
        for name, token in (('rt-empty', ''), ('rt-null', None)):
            app = self.create_app(name=name, body={'repo_token': token}
                                  ).json
            self.assertEqual(name, app['name'])
            self.assertNotIn('repo_token', app)


class TestBuiltinLanguagePacks(base.APITestCase):

    def test_listed_first_with_stable_ids(self):
        packs = self.get(LP).json
        self.assertEqual(['python', 'nodejs', 'dockerfile', 'auto'],
                         [p['name'] for p in packs])
        for pack in packs:
            self.assertEqual(str(uuid.uuid5(languagepacks.NAMESPACE,
                                            pack['name'])), pack['id'])
            self.assertEqual(pack['id'], pack['uuid'])
            self.assertEqual(('READY', True, 'language_pack', None),
                             (pack['status'], pack['builtin'], pack['type'],
                              pack['project_id']))
            self.assertTrue(pack['uri'].endswith('/v1/language_packs/%s' %
                                                 pack['id']))
            self.assertTrue(pack['description'])
            for field in languagepacks.UPSTREAM_FIELDS:
                self.assertIn(field, pack)
        self.assertEqual('org.openstack.solum.python',
                         packs[0]['language_pack_type'])
        # Another project sees the same packs with the same ids.
        self.assertEqual(packs, self.get(LP, project=base.PROJECT_B).json)

    def test_show_by_name_and_id(self):
        by_name = self.get('%s/nodejs' % LP).json
        self.assertEqual(by_name, self.get('%s/%s' % (
            LP, by_name['id'])).json)
        self.assertEqual('nodejs', by_name['name'])
        self.get('%s/auto' % LP, roles='reader')
        self.get('%s/%s' % (LP, uuid.uuid4()), status=404)

    def test_project_packs_say_builtin_false(self):
        lp = self.post_json(LP, {'name': 'java17',
                                 'source_uri': 'https://h/lp.git'}).json
        self.assertFalse(lp['builtin'])
        self.assertIsNone(lp['language_pack_type'])
        self.assertFalse(self.get('%s/java17' % LP).json['builtin'])
        # The reserved names stay reserved (409, as before).
        resp = self.post_json(LP, {'name': 'auto',
                                   'source_uri': 'https://h/lp.git'},
                              status=409)
        self.assertIn('built-in', resp.json['faultstring'])

    def test_paging_across_builtin_and_project_packs(self):
        for name in ('lp-a', 'lp-b', 'lp-c'):
            self.post_json(LP, {'name': name,
                                'source_uri': 'https://h/lp.git'})
        names = []
        marker = None
        while True:
            path = '%s?limit=3' % LP
            if marker:
                path += '&marker=%s' % marker
            page = self.get(path).json
            if not page:
                break
            self.assertLessEqual(len(page), 3)
            names.extend(p['name'] for p in page)
            marker = page[-1]['id']
        self.assertEqual(['python', 'nodejs', 'dockerfile', 'auto', 'lp-a',
                          'lp-b', 'lp-c'], names)
        last_builtin = languagepacks.builtin_id('auto')
        self.assertEqual(['lp-a'], [p['name'] for p in self.get(
            '%s?limit=1&marker=%s' % (LP, last_builtin)).json])
        self.get('%s?marker=%s' % (LP, uuid.uuid4()), status=400)
        self.get('%s?limit=0' % LP, status=400)

    def test_delete_and_replace_are_409(self):
        for ident in ('python', languagepacks.builtin_id('python')):
            resp = self.delete('%s/%s' % (LP, ident), status=409)
            self.assertIn('built-in packs cannot be deleted',
                          resp.json['faultstring'])
            resp = self.app.put_json('%s/%s' % (LP, ident), {'name': 'x'},
                                     headers=self.headers(), status=409)
            self.assertIn('built-in packs cannot be replaced',
                          resp.json['faultstring'])
            self.assertEqual('Client', resp.json['faultcode'])
        # Writes still need a member.
        self.delete('%s/python' % LP, roles='reader', status=403)
        self.get('%s/python' % LP)
        # A project's pack is not replaced either, as before.
        self.app.put_json('%s/java17' % LP, {'name': 'x'},
                          headers=self.headers(), status=405)

    def test_logs_are_empty(self):
        self.assertEqual([], self.get('%s/python/logs' % LP).json)
        resp = self.app.get('%s/dockerfile/logs' % LP, headers=self.headers(
            Accept='text/plain'))
        self.assertEqual('', resp.text)
        # A stream that ends at once, as any log with nothing (more).
        resp = self.app.get('%s/auto/logs?follow=true' % LP,
                            headers=self.headers())
        self.assertIn(resp.status_int, (200, 204))
        self.assertEqual('', resp.text)

    def test_apps_still_use_them(self):
        app = self.create_app(body={'languagepack': 'nodejs'}).json
        self.assertEqual('nodejs', app['languagepack'])


class TestPlatformAndExtensions(base.APITestCase):

    def test_v1_platform_document(self):
        v1 = self.app.get('/v1').json
        self.assertEqual(('platform', 'solum', 'CURRENT', 'v1.0'),
                         (v1['type'], v1['name'], v1['status'], v1['id']))
        self.assertTrue(v1['uri'].endswith('/v1'))
        self.assertTrue(v1['description'])
        self.assertIn('implementation_version', v1)
        for name in ('apps', 'plans', 'language_packs', 'extensions',
                     'assemblies', 'components', 'services'):
            self.assertEqual('%s/%s' % (v1['uri'], name),
                             v1['%s_uri' % name])
        self.assertEqual('self', v1['links'][0]['rel'])
        # GET / stays the OpenStack version document.
        root = self.app.get('/').json
        self.assertEqual({'versions', 'default_version'}, set(root))
        self.assertNotIn('type', root['default_version'])

    def test_extensions(self):
        found = self.get('/v1/extensions').json
        names = [e['name'] for e in found]
        for name in ('releases', 'rollback', 'scale', 'app-logs',
                     'replicas', 'builtin-language-packs'):
            self.assertIn(name, names)
        for ext in found:
            self.assertEqual('extension', ext['type'])
            self.assertTrue(ext['description'])
            self.assertTrue(ext['requests'])
        one = self.get('/v1/extensions/rollback', roles='reader').json
        self.assertEqual(['POST /v1/apps/{app}/rollback'], one['requests'])
        self.assertTrue(one['uri'].endswith('/v1/extensions/rollback'))
        self.get('/v1/extensions/nope', status=404)
        self.get('/v1/extensions', roles='nobody', status=403)
        self.app.get('/v1/extensions', status=401)

    def test_extensions_policy_is_in_code(self):
        rules = {r.name: r for r in policies.list_rules()}
        for action in ('list', 'show'):
            rule = rules['solum:extensions:%s' % action]
            self.assertEqual('rule:project_reader_or_admin', rule.check_str)
            self.assertTrue(rule.operations)

    def test_assemblies_components_services_are_501(self):
        for resource in ('assemblies', 'components', 'services'):
            for method, path in (('GET', ''), ('POST', ''),
                                 ('GET', '/%s' % uuid.uuid4()),
                                 ('DELETE', '/x'), ('PUT', '/x/y')):
                resp = self.app.request(
                    '/v1/%s%s' % (resource, path), method=method,
                    body=b'{}', headers=self.headers(**{
                        'Content-Type': 'application/json'}),
                    expect_errors=True)
                self.assertEqual(501, resp.status_int, (method, path))
                self.assertEqual('Server', resp.json['faultcode'])
                self.assertIsNone(resp.json['debuginfo'])
                self.assertIn('are not supported by this deployment',
                              resp.json['faultstring'])
            # Unauthenticated callers learn nothing more than elsewhere.
            self.app.get('/v1/%s' % resource, status=401)


class TestYamlOut(base.APITestCase):

    def test_plan_yaml_round_trip(self):
        resp = self.app.post('/v1/plans', PLAN_YAML, headers=self.headers(**{
            'Content-Type': 'x-application/yaml',
            'Accept': 'application/x-yaml'}), status=201)
        plan = yaml.safe_load(resp.text)
        self.assertEqual((1, base.PROJECT_A), (plan['version'],
                                               plan['project_id']))
