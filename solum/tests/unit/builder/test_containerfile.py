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
        return str(e)

    def test_allowed(self):
        self.ok('FROM localhost/solum/base-python:bookworm\nUSER 1000\n')
        self.ok('FROM docker.io/library/python:3.12 AS build\n'
                'FROM localhost/solum/aaaa/app:1\n'
                'COPY --from=build /x /x\nCOPY --from=0 /y /y\n')
        self.ok('FROM localhost/solum/lp/aaaa/java:latest\n')
        self.ok('# comment\nFROM scratch\nRUN --mount=type=secret,'
                'id=solum-env,target=/run/solum/env,uid=1000 true\n'
                'RUN --mount=type=tmpfs,target=/tmp/x --network=none true\n')
        self.ok('FROM --platform=linux/amd64 scratch\n'
                'COPY --chown=1000:1000 --chmod=644 . /app\n'
                'ADD --chown=1000 vendor.tar.gz /opt/\n'
                'ADD ["a b.txt", "/x/"]\n'
                'HEALTHCHECK --interval=5s CMD true\n'
                'RUN echo --network=host --mount=type=bind is only text\n')

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
        # Quotes and case do not hide the reference.
        self.refused('FROM scratch\nCOPY --from="localhost/solum/bbbb/a:1" '
                     '/ /\n', 'localhost/solum/bbbb/a:1: images of other')
        self.refused('FROM scratch\ncopy --FROM=solum/bbbb/a:1 / /\n',
                     'other projects')
        self.refused('FROM scratch\nADD --from=solum/bbbb/a:1 /x /x\n',
                     'other projects')

    def test_ids_variables_and_cache_mounts(self):
        self.refused('FROM 0a962cafe123\n', 'may not be named by id')
        self.refused('FROM sha256:' + 'a' * 64 + '\n', 'by id')
        self.refused('ARG B=localhost/solum/bbbb/x\nFROM $B\n', 'variables')
        self.refused('FROM scratch\nCOPY --from=$B / /\n', 'variables')
        self.refused('FROM scratch\nRUN --mount=type=cache,target=/c true\n',
                     'type=cache is not allowed')

    def test_every_bind_mount_is_refused(self):
        # CVE-2024-1753: a symlinked bind source exposes the host's root.
        for spec in ('type=bind,source=.,target=/src',
                     'type=bind,target=/src',
                     'target=/src',  # bind is buildah's default type
                     'source=link,target=/h',
                     'type=BIND,src=/,target=/h',
                     '"type=bind,source=/,target=/h"',
                     'type=bind,from=build,source=/,target=/h'):
            why = self.refused('FROM scratch AS build\nRUN --mount=%s '
                               'cat /h/etc/shadow\n' % spec,
                               'Containerfile line 2: RUN --mount: bind '
                               'mounts are not allowed')
            self.assertIn('CVE-2024-1753', why)
        # A backslash or quote splitting the flag changes nothing.
        self.refused('FROM scratch\nRUN --mount=ty\\pe=bi"nd",target=/h '
                     'true\n', 'bind mounts are not allowed')
        self.refused('FROM scratch\nRUN --network=none \\\n'
                     '    --mount=type=bind,target=/h true\n',
                     'line 2: RUN --mount: bind')

    def test_mounts_only_bring_nothing_in(self):
        for spec, needle in (
                ('type=tmpfs,target=/x,source=/etc', 'source= is not '
                 'allowed'),
                ('type=tmpfs,target=/x,from=build', 'from= is not allowed'),
                ('type=secret,id=solum-env,src=/etc/shadow',
                 'src= is not allowed'),
                ('type=secret,id=other,target=/x',
                 'type=secret needs id=solum-env'),
                ('type=secret,target=/run/secrets/solum-env',
                 'type=secret needs id=solum-env'),
                ('type=ssh,target=/x', 'type=ssh is not allowed'),
                ('type=devpts,target=/x', 'type=devpts is not allowed'),
                ('type=tmpfs,target=/x,rw=true', 'the option rw is not '
                 'allowed')):
            self.refused('FROM scratch\nRUN --mount=%s true\n' % spec,
                         needle)

    def test_confinement_flags_of_run(self):
        self.refused('FROM scratch\nRUN --network=host curl x\n',
                     'RUN --network=host is not allowed')
        self.refused('FROM scratch\nRUN --security=insecure true\n',
                     'RUN --security is not allowed')
        self.refused('FROM scratch\nRUN --device=/dev/kvm true\n',
                     'RUN --device is not allowed')
        self.refused('FROM scratch\nRUN --privileged true\n',
                     'RUN --privileged is not allowed')
        self.refused('FROM --insecure scratch\n', 'FROM --insecure is not')
        self.refused('FROM scratch\nCOPY --device=/dev/sda / /\n',
                     'COPY --device is not allowed')

    def test_add_fetches_nothing_itself(self):
        for src in ('https://example.com/x.tar.gz',
                    'http://169.254.169.254/latest/meta-data/',
                    'git@github.com:o/r.git', 'git://h/r.git',
                    'HTTPS://h/x', 'user@host:repo.git'):
            self.refused('FROM scratch\nADD %s /x\n' % src,
                         'ADD %s: ADD of a URL or a git repository is not '
                         'allowed' % src)
        self.refused('FROM scratch\nADD ["https://h/x", "/x"]\n',
                     'ADD of a URL')
        self.refused('FROM scratch\nADD --checksum=sha256:00 https://h/x '
                     '/x\n', 'ADD of a URL')
        self.refused('FROM scratch\nARG U=https://h/x\nADD $U /x\n',
                     'variables in ADD sources')

    def test_onbuild_triggers_are_checked(self):
        self.refused('FROM scratch\nONBUILD RUN --mount=type=bind,'
                     'target=/h true\n', 'line 2: RUN --mount: bind')
        self.refused('FROM scratch\nONBUILD COPY --from=solum/bbbb/a:1 / /\n',
                     'other projects')
        self.refused('FROM scratch\nONBUILD ADD https://h/x /x\n',
                     'ADD of a URL')
        self.refused('FROM scratch\nONBUILD FROM x\n',
                     'ONBUILD FROM is not allowed')
        self.ok('FROM scratch\nONBUILD COPY . /app\n')
