from solum.builder import containerfile
from solum.tests import base

P = 'aaaa'


class TestContainerfileChecks(base.TestCase):

    def ok(self, text):
        containerfile.check(text, P)

    def refused(self, text, needle):
        e = self.assertRaises(containerfile.ContainerfileRefused,
                              containerfile.check, text, P)
        self.assertIn(needle, str(e))

    def test_allowed(self):
        self.ok('FROM localhost/solum/base-python:bookworm\nUSER 1000\n')
        self.ok('FROM docker.io/library/python:3.12 AS build\n'
                'FROM localhost/solum/aaaa/app:1\n'
                'COPY --from=build /x /x\nCOPY --from=0 /y /y\n')
        self.ok('FROM localhost/solum/lp/aaaa/java:latest\n')
        self.ok('# comment\nFROM scratch\nRUN --mount=type=secret,id=x '
                'true\nRUN --mount=type=bind,source=.,target=/src true\n')

    def test_other_projects_images(self):
        self.refused('FROM localhost/solum/bbbb/app:1\n',
                     'Containerfile line 1: localhost/solum/bbbb/app:1: '
                     'images of other projects cannot be used')
        self.refused('FROM solum/bbbb/app:1\n', 'other projects')
        self.refused('FROM localhost/solum/lp/bbbb/x\n', 'other projects')
        self.refused('FROM scratch\nCOPY --from=localhost/solum/bbbb/a:1 '
                     '/ /\n', 'line 2')
        self.refused('FROM scratch\nRUN --mount=type=bind,from=solum/bbbb/'
                     'a:1,target=/x \\\n    cat /x/secret\n', 'line 2')

    def test_ids_variables_and_cache_mounts(self):
        self.refused('FROM 0a962cafe123\n', 'may not be named by id')
        self.refused('FROM sha256:' + 'a' * 64 + '\n', 'by id')
        self.refused('ARG B=localhost/solum/bbbb/x\nFROM $B\n', 'variables')
        self.refused('FROM scratch\nRUN --mount=type=cache,target=/c true\n',
                     'type=cache is not allowed')
