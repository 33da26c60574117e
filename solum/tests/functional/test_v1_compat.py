"""A real solum-all over HTTP, sent exactly what the Solum v1 client
(python-solumclient) and plans written for upstream Solum send, as JSON
and as YAML: the status codes and response shapes they rely on."""

import json
import uuid

import requests
import yaml

from solum.tests.functional import base

# The v1 client sends lp_metadata null without a metadata file, and
# json.dumps of the file's content with one; lp_params {} without a
# parameter file.
LP_NO_METADATA = {'name': 'java17', 'source_uri':
                  'file:///nonexistent/solum-test/lp.git',
                  'lp_metadata': None, 'lp_params': {}}
LP_METADATA = dict(LP_NO_METADATA, name='java17-meta',
                   lp_metadata=json.dumps({'os': 'debian',
                                           'version': '12'}))
# A plan as upstream's plan files have it, with the owner fields a plan
# shown by upstream carried; the v1 client sends it as YAML with this
# Content-Type (solumclient/v1/plan.py).
PLAN = {'version': '1', 'name': 'ex-plan', 'description': 'from upstream',
        'project_id': 'someone-else', 'user_id': 'not-me',
        'artifacts': [{'name': 'web', 'artifact_type': 'heroku',
                       'content': {'href': 'https://git.example.com/w.git'},
                       'language_pack': 'python'}]}
V1_YAML = 'x-application/yaml'
# An app file without version, as upstream accepted.
APP = {'name': 'hello', 'description': 'default app description.',
       'languagepack': 'python',
       'source': {'repository': 'https://git.example.com/hello.git',
                  'revision': 'master', 'private': False},
       'workflow_config': {'test_cmd': '', 'run_cmd': 'python app.py'},
       'trigger_actions': ['build', 'deploy'], 'ports': [80],
       'parameters': {}}
PROJECT = 'compat-project'


class TestV1ClientCompatibility(base.FunctionalTestCase):
    rpc_transport = 'local'

    def extra_config(self):
        return '[builder]\ngit_allowed_protocols = file\n'

    def setUp(self):
        super().setUp()
        self.db_upgrade()
        self.start_service('solum-all')
        self.http = requests.Session()
        # noauth acts in the project the caller names.
        self.http.headers['X-Project-Id'] = PROJECT

    def url(self, path):
        return self.base_url + path

    def call(self, method, path, status, **kw):
        resp = self.http.request(method, self.url(path), timeout=30, **kw)
        self.assertEqual(status, resp.status_code,
                         '%s %s: %s' % (method, path, resp.text[:500]))
        return resp

    def assertFault(self, resp, client=True):
        body = resp.json()
        self.assertEqual({'faultcode', 'faultstring', 'debuginfo'},
                         set(body))
        self.assertEqual('Client' if client else 'Server',
                         body['faultcode'])
        return body['faultstring']

    def test_platform_and_version_documents(self):
        v1 = self.call('GET', '/v1', 200).json()
        for field in ('uri', 'type', 'name', 'description'):
            self.assertIn(field, v1)
        self.assertEqual(('platform', self.url('/v1')),
                         (v1['type'], v1['uri']))
        for name in ('plans', 'assemblies', 'services', 'components',
                     'extensions', 'language_packs', 'apps'):
            self.assertEqual(self.url('/v1/%s' % name), v1['%s_uri' % name])
            # Every link answers, if only to say it is not supported.
            self.assertIn(self.http.get(v1['%s_uri' % name],
                                        timeout=30).status_code,
                          (200, 501))
        self.assertEqual('v1.0', v1['id'])
        root = self.call('GET', '/', 200).json()
        self.assertEqual('v1.0', root['default_version']['id'])
        self.assertNotIn('type', root)

    def test_language_packs_as_the_v1_client_uses_them(self):
        # languagepack create, with and without a metadata file.
        lp = self.call('POST', '/v1/language_packs', 201,
                       json=LP_NO_METADATA).json()
        self.assertEqual(('java17', False), (lp['name'], lp['builtin']))
        lp_meta = self.call('POST', '/v1/language_packs', 201,
                            json=LP_METADATA).json()
        self.assertEqual({'os': 'debian', 'version': '12'},
                         lp_meta['lp_metadata'])
        # The same as YAML.
        text = yaml.safe_dump(dict(LP_METADATA, name='java17-yaml'))
        lp_yaml = self.call('POST', '/v1/language_packs', 201, data=text,
                            headers={'Content-Type': 'application/x-yaml'}
                            ).json()
        self.assertEqual(lp_meta['lp_metadata'], lp_yaml['lp_metadata'])
        # A metadata string that is no JSON object is a clear 400.
        resp = self.call('POST', '/v1/language_packs', 400, json=dict(
            LP_NO_METADATA, name='bad', lp_metadata='["a"]'))
        self.assertIn('lp_metadata', self.assertFault(resp))

        # app create --lp python looks the pack up by name first and
        # wants it READY.
        for name in ('python', 'nodejs', 'dockerfile', 'auto'):
            shown = self.call('GET', '/v1/language_packs/%s' % name,
                              200).json()
            self.assertEqual(('READY', True, name),
                             (shown['status'], shown['builtin'],
                              shown['name']))
            self.assertEqual(shown, self.call(
                'GET', '/v1/language_packs/%s' % shown['uuid'], 200).json())
        # languagepack list: the fields it prints, built-in packs first.
        listed = self.call('GET', '/v1/language_packs', 200).json()
        self.assertEqual(['python', 'nodejs', 'dockerfile', 'auto', 'java17',
                          'java17-meta', 'java17-yaml'],
                         [x['name'] for x in listed])
        for item in listed:
            for field in ('uuid', 'name', 'description', 'status',
                          'source_uri'):
                self.assertIn(field, item)
        page = self.call('GET', '/v1/language_packs?limit=2&marker=%s' %
                         listed[2]['uuid'], 200).json()
        self.assertEqual(['auto', 'java17'], [x['name'] for x in page])
        # languagepack logs: GET .../logs/ (with the slash) by uuid.
        python = listed[0]
        self.assertEqual([], self.call(
            'GET', '/v1/language_packs/%s/logs/' % python['uuid'],
            200).json())
        # languagepack delete of a built-in pack: refused, clearly.
        resp = self.call('DELETE', '/v1/language_packs/python', 409)
        self.assertIn('built-in packs cannot be deleted',
                      self.assertFault(resp))
        resp = self.call('PUT', '/v1/language_packs/%s' % python['uuid'],
                         409, json={'name': 'python'})
        self.assertIn('built-in packs cannot be replaced',
                      self.assertFault(resp))
        self.call('GET', '/v1/language_packs/python', 200)

    def test_plans_as_upstream_wrote_them(self):
        created = self.call('POST', '/v1/plans', 201,
                            data=yaml.safe_dump(PLAN),
                            headers={'Content-Type': V1_YAML}).json()
        self.assertEqual((1, PROJECT), (created['version'],
                                        created['project_id']))
        self.assertNotEqual('not-me', created['user_id'])
        self.assertEqual('web', created['artifacts'][0]['name'])
        # The same plan as JSON, and YAML out when asked.
        resp = self.call('POST', '/v1/plans', 201,
                         json=dict(PLAN, name='as-json'),
                         headers={'Accept': 'application/x-yaml'})
        as_yaml = yaml.safe_load(resp.text)
        self.assertEqual((1, PROJECT), (as_yaml['version'],
                                        as_yaml['project_id']))
        # plan list / show as the client asks (Content-Type on a GET).
        listed = self.call('GET', '/v1/plans', 200,
                           headers={'Content-Type': V1_YAML}).json()
        self.assertEqual({'ex-plan', 'as-json'}, {p['name'] for p in listed})
        shown = self.call('GET', '/v1/plans/%s' % created['uuid'], 200,
                          headers={'Content-Type': V1_YAML}).json()
        self.assertEqual(created['uri'], shown['uri'])
        # update: PUT with version "1" again.
        updated = self.call('PUT', '/v1/plans/%s' % created['uuid'], 200,
                            data=yaml.safe_dump(dict(PLAN,
                                                     description='new')),
                            headers={'Content-Type': V1_YAML}).json()
        self.assertEqual('new', updated['description'])
        # Everything else stays strict.
        for bad, word in (({'version': '2'}, 'version'),
                          ({'version': 'one'}, 'version'),
                          ({'owner': 'x'}, 'unknown field')):
            resp = self.call('POST', '/v1/plans', 400,
                             data=yaml.safe_dump(dict(PLAN, **bad)),
                             headers={'Content-Type': V1_YAML})
            self.assertIn(word, self.assertFault(resp))

    def test_apps_without_version_and_with_owner_fields(self):
        body = dict(APP, project_id='someone-else', user_id='not-me')
        app = self.call('POST', '/v1/apps', 201, json=body).json()
        self.assertEqual(PROJECT, app['project_id'])
        self.assertEqual(1, json.loads(app['raw_content'])['version'])
        # As YAML too.
        app = self.call('POST', '/v1/apps', 201,
                        data=yaml.safe_dump(dict(body, name='hello-yaml')),
                        headers={'Content-Type': 'application/x-yaml'}
                        ).json()
        self.assertEqual(('hello-yaml', PROJECT), (app['name'],
                                                   app['project_id']))
        # The owner fields never move an app to another project.
        other = self.http.get(self.url('/v1/apps/hello'), timeout=30,
                              headers={'X-Project-Id': 'someone-else'})
        self.assertEqual(404, other.status_code)
        # The v1 client's empty repo_token is dropped; a real token is
        # refused (this API keeps no repository tokens in app files).
        app = self.call('POST', '/v1/apps', 201,
                        json=dict(APP, name='with-token', repo_token='')
                        ).json()
        self.assertNotIn('repo_token', app)
        resp = self.call('POST', '/v1/apps', 400,
                         json=dict(APP, name='with-token2',
                                   repo_token='ghp_secret'))
        self.assertIn('repo_token', self.assertFault(resp))
        self.assertNotIn('ghp_secret', resp.text)

    def test_extensions_and_unsupported_resources(self):
        found = self.call('GET', '/v1/extensions', 200).json()
        names = {e['name'] for e in found}
        self.assertTrue({'releases', 'scale', 'rollback',
                         'app-logs'} <= names, names)
        for ext in found:
            self.assertEqual(self.url('/v1/extensions/%s' % ext['name']),
                             ext['uri'])
            self.assertEqual(ext, self.call('GET', ext['uri'][len(
                self.base_url):], 200).json())
        for resource in ('assemblies', 'components', 'services'):
            for method, path, kw in (
                    ('GET', '', {}),
                    ('POST', '', {'json': {'name': 'a', 'plan_uri':
                                           self.url('/v1/plans/x')}}),
                    ('GET', '/%s' % uuid.uuid4(), {}),
                    ('DELETE', '/%s' % uuid.uuid4(), {})):
                resp = self.call(method, '/v1/%s%s' % (resource, path), 501,
                                 **kw)
                self.assertIn('not supported by this deployment',
                              self.assertFault(resp, client=False))
