import json

import testtools
import webob

from solum.api import schemas
from solum.api import validation
from solum.common import exception


class TestGitURLs(testtools.TestCase):

    def test_accepted(self):
        for url in ('https://github.com/org/repo.git',
                    'http://git.example.com/r', 'ssh://git@host/r.git',
                    'git@github.com:org/repo.git', 'file:///srv/git/r',
                    '/srv/git/repo', 'git://host/r'):
            validation.validate_git_url(url)

    def test_refused(self):
        for url in ('-uhttps://x', '--upload-pack=touch /tmp/x',
                    'ext::sh -c id', 'fd::3', 'https://host/a b',
                    'ftp://host/r', 'https:///nohost', 'foo',
                    'https://host/r\n'):
            self.assertRaises(exception.InvalidInput,
                              validation.validate_git_url, url)


class TestSchemas(testtools.TestCase):

    def valid_app(self, **kw):
        app = {'version': 1, 'name': 'ok-name', 'languagepack': 'python',
               'source': {'repository': 'https://h/r.git'}}
        app.update(kw)
        return app

    def test_app_names(self):
        for name in ('a', 'web-1', 'x' * 63):
            validation.validate(self.valid_app(name=name),
                                schemas.APP_CREATE)
        for name in ('', 'A', '1abc', 'a_b', 'a.b', 'web-', 'x' * 64):
            error = self.assertRaises(
                exception.InvalidInput, validation.validate,
                self.valid_app(name=name), schemas.APP_CREATE)
            self.assertIn('name', str(error))

    def test_revisions(self):
        for rev in ('main', 'v1.2.3', 'feature/x', 'a' * 40):
            validation.validate(self.valid_app(source={
                'repository': 'https://h/r', 'revision': rev}),
                schemas.APP_CREATE)
        for rev in ('-x', '--output=/etc/passwd', 'a b', ''):
            self.assertRaises(exception.InvalidInput, validation.validate,
                              self.valid_app(source={
                                  'repository': 'https://h/r',
                                  'revision': rev}), schemas.APP_CREATE)

    def test_user_params(self):
        validation.validate(self.valid_app(parameters={'user_params': {
            'DEBUG': True, 'WORKERS': 4, 'NAME': 'x'}}), schemas.APP_CREATE)
        self.assertRaises(exception.InvalidInput, validation.validate,
                          self.valid_app(parameters={'user_params': {
                              'BAD-NAME': 'x'}}), schemas.APP_CREATE)
        self.assertRaises(exception.InvalidInput, validation.validate,
                          self.valid_app(parameters={'user_params': {
                              'X': {'nested': 1}}}), schemas.APP_CREATE)

    def test_ports(self):
        self.assertRaises(exception.InvalidInput, validation.validate,
                          self.valid_app(ports=[0]), schemas.APP_CREATE)
        self.assertRaises(exception.InvalidInput, validation.validate,
                          self.valid_app(ports=[80, 80]), schemas.APP_CREATE)


class TestGitURLCredentialsAndOptions(testtools.TestCase):

    def test_passwords_are_refused_without_being_echoed(self):
        for url in ('https://bob:hunter2@git.example.com/r.git',
                    'http://bob:hunter2@git.example.com/r.git',
                    'ssh://bob:hunter2@git.example.com/r.git'):
            error = self.assertRaises(exception.InvalidInput,
                                      validation.validate_git_url, url)
            self.assertIn('source.private_ssh_key', str(error))
            self.assertNotIn('hunter2', str(error))

    def test_https_takes_no_user_at_all(self):
        error = self.assertRaises(exception.InvalidInput,
                                  validation.validate_git_url,
                                  'https://token@git.example.com/r.git')
        self.assertIn('deploy key', str(error))
        # ssh names its user in the URL; that is no secret.
        validation.validate_git_url('ssh://git@git.example.com/r.git')

    def test_option_like_host_or_user_is_refused(self):
        for url in ('ssh://-oProxyCommand=x/r', 'git@-oProxy:x',
                    '-oProxy@host:x', 'ssh://-oProxyCommand=x@host/r',
                    'git://-oProxyCommand=x/r'):
            error = self.assertRaises(exception.InvalidInput,
                                      validation.validate_git_url, url)
            self.assertIn('"-"', str(error))

    def test_unparsable_urls_are_refused(self):
        for url in ('https://[x/r', 'ssh://host:-oProxy/r'):
            self.assertRaises(exception.InvalidInput,
                              validation.validate_git_url, url)


class TestParseBody(testtools.TestCase):

    def parse(self, body, content_type='application/json'):
        request = webob.Request.blank('/', method='POST', body=body,
                                      content_type=content_type)
        return validation.parse_body(request, allow_yaml=True)

    def refused(self, body, content_type='application/json'):
        return str(self.assertRaises(exception.BadRequest, self.parse,
                                     body, content_type))

    def test_non_json_constants_are_refused(self):
        for constant in ('NaN', 'Infinity', '-Infinity'):
            message = self.refused(b'{"a": %s}' % constant.encode())
            self.assertIn(constant, message)
        self.assertIn('finite', self.refused(b'{"a": 1e400}'))
        self.assertIn('finite', self.refused(b'a: .nan', 'application/yaml'))

    def test_strings_storage_cannot_hold_are_refused(self):
        self.assertIn('surrogate', self.refused(b'{"a": "x\\ud800"}'))
        self.assertIn('surrogate', self.refused(b'{"\\udfff": 1}'))
        self.assertIn('NUL', self.refused(b'{"a": ["\\u0000"]}'))
        self.assertIn('NUL', self.refused(b'{"a\\u0000": 1}'))
        # A surrogate pair is one valid character.
        self.assertEqual({'a': '\U0001f600'},
                         self.parse(b'{"a": "\\ud83d\\ude00"}'))

    def test_integers_beyond_64_bits_are_refused(self):
        message = self.refused(b'{"a": {"b": [%d]}}' % 2 ** 63)
        self.assertIn('a.b.0', message)
        self.assertIn('64-bit', message)
        self.refused(b'{"a": %d}' % (-2 ** 63 - 1))
        self.assertEqual({'a': 2 ** 63 - 1},
                         self.parse(b'{"a": %d}' % (2 ** 63 - 1)))

    def test_yaml_keys_must_be_strings_and_the_path_is_named(self):
        for text, where in (
                ('parameters: {user_params: {1: x}}',
                 'parameters.user_params.1'),
                ('lp_metadata: {2020-01-01: x}', 'lp_metadata.2020-01-01'),
                ('artifacts: [{requirements: [{yes: 1}]}]',
                 'artifacts.0.requirements.0.True'),
                ('2: x', '2')):
            message = self.refused(text.encode(), 'application/x-yaml')
            self.assertIn(where + ': keys must be strings', message)

    def test_yaml_values_must_be_json(self):
        for text, kind in (('a: 2020-01-01', 'a date'),
                           ('a: [2020-01-01 10:00:00]', 'a timestamp'),
                           ('a: !!set {x, y}', 'a set'),
                           ('a: !!binary aGk=', 'binary')):
            message = self.refused(text.encode(), 'application/x-yaml')
            self.assertIn(kind, message)
            self.assertIn('quote it', message)

    def test_broken_yaml_dates_and_deep_nesting(self):
        self.assertIn('invalid YAML', self.refused(b'a: 2020-13-45',
                                                   'application/x-yaml'))
        self.assertIn('deep', self.refused(b'[' * 60000))
        self.assertIn('deep', self.refused(b'[' * 60000,
                                           'application/x-yaml'))
        self.assertIn('deep', self.refused(b'[' * 40 + b']' * 40))


class TestBodyBounds(testtools.TestCase):

    def refused(self, document, schema):
        return str(self.assertRaises(exception.InvalidInput,
                                     validation.validate, document, schema))

    def test_replica_counts_have_a_maximum(self):
        self.assertIn('scale_target', self.refused(
            {'actions': ['build'], 'scale_target': 1001},
            schemas.WORKFLOW_CREATE))
        for field in ('min', 'max'):
            autoscale = {'min': 1, 'max': 2, 'target_rps': 5}
            autoscale[field] = 10 ** 6
            self.assertIn(field, self.refused(
                {'version': 1, 'name': 'x', 'languagepack': 'python',
                 'source': {'repository': 'https://h/r'},
                 'parameters': {'autoscale': autoscale}},
                schemas.APP_CREATE))
        self.refused({'release': 2 ** 31}, schemas.ROLLBACK)

    def test_du_id_is_no_option_and_has_no_spaces(self):
        for du_id in ('-oops', '--output=x', 'a b', 'a\tb', 'a\x01', '',
                      'img\n'):
            message = self.refused({'actions': ['deploy'], 'du_id': du_id},
                                   schemas.WORKFLOW_CREATE)
            self.assertIn('du_id', message)
        validation.validate({'actions': ['deploy'],
                             'du_id': 'localhost/solum/p/app:3'},
                            schemas.WORKFLOW_CREATE)


class TestPatternsMatchWholeStrings(testtools.TestCase):
    """jsonschema's re.search lets '$' match before a final newline."""

    def test_a_trailing_newline_is_refused(self):
        app = {'version': 1, 'name': 'ok', 'languagepack': 'python',
               'source': {'repository': 'https://h/r', 'revision': 'main'},
               'parameters': {'user_params': {'A': 'x'},
                              'deployer': 'fake',
                              'health': {'path': '/health'}}}
        validation.validate(app, schemas.APP_CREATE)
        for path in (('name',), ('languagepack',), ('source', 'revision'),
                     ('parameters', 'deployer'),
                     ('parameters', 'health', 'path')):
            bad = json.loads(json.dumps(app))
            parent = bad
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] += '\n'
            self.assertRaises(exception.InvalidInput, validation.validate,
                              bad, schemas.APP_CREATE)
        app['parameters']['user_params'] = {'A\n': 'x'}
        self.assertRaises(exception.InvalidInput, validation.validate, app,
                          schemas.APP_CREATE)
