"""buildah (solum.builder.buildah): the command line, the build secret,
the labels and a build retried after a storage race."""

import os

from solum.builder import buildah
from solum.builder import languagepacks
from solum.builder import process
from solum.tests import base


class TestBuildah(base.TestCase):

    def test_buildah_command(self):
        cmd = buildah.buildah_command('/ctx', '/w/Containerfile', 'ref:1',
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
        text = buildah.env_secret(ca_path='/run/solum/ca.crt')
        self.assertIn("export PIP_INDEX_URL='https://u:p w@idx/simple'",
                      text)
        self.assertNotIn('/opt/wheels', text)
        self.assertNotIn('/etc/host.crt', text)
        self.assertIn('export PIP_CERT=/run/solum/ca.crt', text)
        self.assertIn('export NODE_EXTRA_CA_CERTS=/run/solum/ca.crt', text)

    def test_label_instruction(self):
        self.assertEqual('LABEL a="1" b="x-y"\n',
                         buildah.label_instruction({'b': 'x-y', 'a': '1'}))
        self.assertRaises(ValueError, buildah.label_instruction,
                          {'a': 'x"\nRUN id'})

    LAYER_GONE = ['STEP 2/9: USER 1000:1000',
                  'Error: checking if cached image exists from a '
                  'previous build: getting top layer info: layer '
                  'not known']
    CACHED_IMAGE_GONE = [
        'STEP 2/12: USER 1000:1000',
        '--> Using cache ' + '2a' * 32,
        'Error: identifier is not a container: preparing container for '
        'next step: creating build container: ' + '2a' * 32 +
        ': image not known']

    def _race_build(self, failures, tail=LAYER_GONE):
        """buildah.build with buildah failing ``failures`` times as when a
        cached layer is removed under it, then succeeding."""
        workdir = self.useFixture(_tempdir()).path
        src = os.path.join(workdir, 'src')
        os.makedirs(src)
        runs = []

        def run(cmd, **kw):
            runs.append(cmd)
            if len(runs) <= failures:
                raise process.CommandError(
                    'buildah exited 125', returncode=125, tail=tail)
            with open(os.path.join(workdir, 'image-id'), 'w') as f:
                f.write('sha256:' + 'a' * 64)
            return process.Result(0, [], 0)
        self.useFixture(_patch('solum.builder.process.run', run))
        self.useFixture(_patch('solum.builder.sandbox.build_network',
                               lambda log: None))
        self.useFixture(_patch('solum.builder.sandbox.build_cgroup',
                               lambda log: None))
        lines = []
        recipe = languagepacks.Recipe('python', containerfile='FROM x\n')
        try:
            return buildah.build(workdir, src, recipe, 'ref:1', {},
                                 lines.append), runs, lines
        except buildah.BuildError as e:
            return e, runs, lines

    def test_a_layer_removed_under_the_build_builds_again(self):
        image_id, runs, lines = self._race_build(failures=2)
        self.assertEqual('a' * 64, image_id)
        self.assertEqual(3, len(runs))
        self.assertEqual(2, sum('building again' in x for x in lines))

    def test_a_cached_image_removed_under_the_build_builds_again(self):
        image_id, runs, lines = self._race_build(
            failures=1, tail=self.CACHED_IMAGE_GONE)
        self.assertEqual('a' * 64, image_id)
        self.assertEqual(2, len(runs))

    def test_a_missing_base_image_is_not_retried(self):
        error, runs, _lines = self._race_build(failures=5, tail=[
            'STEP 1/3: FROM localhost/solum/base-x:bookworm',
            'Error: creating build container: localhost/solum/base-x:'
            'bookworm: image not known'])
        self.assertIsInstance(error, buildah.BuildError)
        self.assertEqual(1, len(runs))

    def test_a_storage_race_that_goes_on_fails_with_its_reason(self):
        error, runs, _lines = self._race_build(failures=5)
        self.assertEqual(buildah.STORAGE_RACE_ATTEMPTS, len(runs))
        self.assertIn('layer not known', str(error))

    def test_buildah_command_uses_the_slirp_resolver(self):
        args = ('/ctx', '/w/Containerfile', 'ref:1', None, '/w/env',
                '/w/iid')
        self.assertNotIn('--dns', buildah.buildah_command(*args))
        cmd = buildah.buildah_command(*args, network=object())
        self.assertEqual('10.0.2.3', cmd[cmd.index('--dns') + 1])
        self.assertEqual(['-f', '/w/Containerfile', '-t', 'ref:1', '/ctx'],
                         cmd[-5:])

    def test_oci_isolation_shares_buildahs_namespace(self):
        self.conf.config(isolation='oci', group='builder')
        cmd = buildah.buildah_command('/c', '/f', 'r:1', None, '/e', '/i',
                                      network=object())
        self.assertEqual('host', cmd[cmd.index('--network') + 1])
        self.assertIn('--dns', cmd)


def _tempdir():
    import fixtures
    return fixtures.TempDir()


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


