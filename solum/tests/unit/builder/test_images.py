
from solum.builder import images
from solum.builder import process
from solum.tests import base


class TestImages(base.TestCase):

    def test_image_ref(self):
        self.assertEqual('localhost/solum/abc/hello:wf1-0123',
                         images.image_ref('ABC', 'hello', 'wf1-0123'))
        self.assertEqual('localhost/solum/p/a--b:1',
                         images.image_ref('p', 'a--b', '1'))
        self.assertRaises(ValueError, images.image_ref, 'p', 'Bad/Name', 'x')
        self.assertRaises(ValueError, images.image_ref, 'p', 'a', '-x')

    def test_lp_image_ref(self):
        self.assertEqual('localhost/solum/lp/p/java17:latest',
                         images.lp_image_ref('P', 'java17', 'U'))
        self.assertEqual('localhost/solum/lp/p/u-1:latest',
                         images.lp_image_ref('p', 'a..b', 'U-1'))

    def test_buildah_command(self):
        cmd = images.buildah_command('/ctx', '/w/Containerfile', 'ref:1',
                                     {'a.b': 'c'}, '/w/env', '/w/iid')
        self.assertEqual(['buildah', 'bud', '--layers', '--force-rm',
                          '--isolation', 'chroot'], cmd[:6])
        self.assertIn('id=solum-env,src=/w/env', cmd)
        self.assertIn('/etc/ssl/certs/ca-certificates.crt:/run/solum/ca.crt'
                      ':ro', cmd)
        self.assertIn('nproc=1024:1024', cmd)
        self.assertEqual(['--label', 'a.b=c', '-f', '/w/Containerfile',
                          '-t', 'ref:1', '/ctx'], cmd[-7:])

    def test_env_secret_passes_index_settings_not_host_paths(self):
        self.useFixture(_env(PIP_INDEX_URL='https://u:p w@idx/simple',
                             PIP_FIND_LINKS='/opt/wheels',
                             PIP_CERT='/etc/host.crt'))
        text = images.env_secret(ca_path='/run/solum/ca.crt')
        self.assertIn("export PIP_INDEX_URL='https://u:p w@idx/simple'",
                      text)
        self.assertNotIn('/opt/wheels', text)
        self.assertNotIn('/etc/host.crt', text)
        self.assertIn('export PIP_CERT=/run/solum/ca.crt', text)
        self.assertIn('export NODE_EXTRA_CA_CERTS=/run/solum/ca.crt', text)

    def test_label_instruction(self):
        self.assertEqual('LABEL a="1" b="x-y"\n',
                         images.label_instruction({'b': 'x-y', 'a': '1'}))
        self.assertRaises(ValueError, images.label_instruction,
                          {'a': 'x"\nRUN id'})

    def test_images_with_label_retries_a_racing_removal(self):
        answers = [process.CommandError('podman exited 125: Error: reading '
                                        'image "x": image not known'),
                   'b\na\nb\n']

        def output(cmd, **kw):
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        self.useFixture(_patch('solum.builder.process.output', output))
        self.useFixture(_patch('time.sleep', lambda s: None))
        self.assertEqual(['a', 'b'], images.images_with_label('k', 'v'))

    def test_run_tests_limits(self):
        calls = []

        def run(cmd, **kw):
            calls.append((cmd, kw))
            return process.Result(3, [], 0)
        self.useFixture(_patch('solum.builder.process.run', run))
        rc = images.run_tests('img:1', 'make test', 'solum-test-x',
                              lambda x: None, env={'A': 'b'})
        self.assertEqual(3, rc)
        cmd, kw = calls[0]
        for flag, value in (('--network', 'none'), ('--memory', '1g'),
                            ('--pids-limit', '512'), ('--user',
                                                      '1000:1000')):
            self.assertEqual(value, cmd[cmd.index(flag) + 1])
        self.assertEqual(['img:1', 'make test'], cmd[-2:])
        self.assertIn('A=b', cmd)
        self.assertEqual(600, kw['timeout'])
        self.assertEqual(['podman', 'rm', '--force', '--ignore', '--time',
                          '0', 'solum-test-x'], calls[1][0])


def _patch(name, value):
    import fixtures
    return fixtures.MonkeyPatch(name, value)


def _env(**values):
    import fixtures

    class Env(fixtures.Fixture):
        def _setUp(self):
            for key, value in values.items():
                self.useFixture(fixtures.EnvironmentVariable(key, value))
    return Env()


