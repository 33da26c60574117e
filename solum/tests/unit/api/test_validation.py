import testtools

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
