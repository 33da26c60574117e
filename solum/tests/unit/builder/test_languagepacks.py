import hashlib
import json
import os

from solum.builder import languagepacks as lp
from solum.tests import base


def _cmd_of(lines):
    [cmd] = [x for x in lines if x.startswith('CMD ')]
    return json.loads(cmd[4:])


class LPTestCase(base.TestCase):

    def tree(self, **files):
        self.trees = getattr(self, 'trees', 0) + 1
        root = os.path.join(self.state_path, 'src%d' % self.trees)
        os.makedirs(root)
        for name, text in files.items():
            with open(os.path.join(root, name.replace('__', '.')),
                      'w') as f:
                f.write(text)
        return root


class TestDetect(LPTestCase):

    def test_auto(self):
        self.assertEqual(('python', 'requirements.txt'), lp.detect(
            self.tree(requirements__txt='flask\n')))

    def test_auto_order(self):
        src = self.tree(requirements__txt='', package__json='{}',
                        Dockerfile='FROM x\n')
        self.assertEqual('dockerfile', lp.detect(src)[0])
        os.unlink(os.path.join(src, 'Dockerfile'))
        self.assertEqual('nodejs', lp.detect(src)[0])

    def test_nothing_fits_says_why(self):
        e = self.assertRaises(lp.NoPackFits, lp.detect,
                              self.tree(README='x'))
        self.assertIn('no language pack fits: no requirements.txt, '
                      'pyproject.toml, package.json or Containerfile found',
                      str(e))

    def test_named_pack_without_its_manifest(self):
        src = self.tree(package__json='{}')
        e = self.assertRaises(lp.NoPackFits, lp.detect, src, 'python')
        self.assertIn('python language pack: no requirements.txt', str(e))
        self.assertRaises(lp.NoPackFits, lp.detect, src, 'dockerfile')

    def test_symlinked_manifest_does_not_count(self):
        src = self.tree()
        os.symlink('/etc/passwd', os.path.join(src, 'requirements.txt'))
        self.assertRaises(lp.NoPackFits, lp.detect, src)


class TestPython(LPTestCase):

    def test_dependency_layer_before_code(self):
        src = self.tree(requirements__txt='flask\n',
                        app__py='app = object()\n')
        r = lp.recipe(src, 'python')
        lines = r.containerfile.splitlines()
        self.assertEqual('FROM localhost/solum/base-python:bookworm',
                         lines[1])
        self.assertIn('USER 1000:1000', lines)
        install = next(i for i, x in enumerate(lines)
                       if 'pip install' in x)
        copy_code = lines.index('COPY --chown=1000:1000 . /home/solum/app')
        self.assertLess(install, copy_code)
        # Only the code's COPY and the labels come after the code.
        self.assertEqual(len(lines) - 1, copy_code)
        # The requirements are bind-mounted (no COPY layer of them), and
        # their digest is in the command: buildah's cache key.
        self.assertNotIn('COPY --chown=1000:1000 requirements.txt',
                         r.containerfile)
        self.assertIn('--mount=type=bind,source=requirements.txt,target='
                      '/run/solum/requirements.txt', lines[install])
        self.assertIn(': requirements.txt sha256=%s &&' % hashlib.sha256(
            b'flask\n').hexdigest(), lines[install])
        self.assertIn('-r /run/solum/requirements.txt gunicorn',
                      lines[install])
        self.assertIn('--mount=type=secret,id=solum-env', lines[install])
        self.assertEqual(['/bin/sh', '-c', 'exec gunicorn --bind '
                          '0.0.0.0:${PORT:-8080} app:app'],
                         _cmd_of(lines))
        self.assertEqual('requirements.txt', r.manifest)

    def test_the_install_step_changes_with_the_requirements_only(self):
        def install_line(**files):
            r = lp.recipe(self.tree(**files), 'python')
            return next(x for x in r.containerfile.splitlines()
                        if 'pip install' in x)
        first = install_line(requirements__txt='flask\n',
                             app__py='app = 1\n')
        self.assertEqual(first, install_line(requirements__txt='flask\n',
                                             app__py='app = 2\n'))
        self.assertNotEqual(first, install_line(
            requirements__txt='flask==3.0\n', app__py='app = 1\n'))

    def test_requirements_referring_to_other_files(self):
        src = self.tree(requirements__txt='-r base.txt\n',
                        app__py='app = 1\n')
        r = lp.recipe(src, 'python')
        lines = r.containerfile.splitlines()
        copy_code = lines.index('COPY --chown=1000:1000 . /home/solum/app')
        install = next(i for i, x in enumerate(lines) if 'pip install' in x)
        self.assertLess(copy_code, install)
        self.assertIn('-r requirements.txt gunicorn', lines[install])
        self.assertNotIn('COPY --chown=1000:1000 requirements.txt',
                         r.containerfile)

    def test_procfile_and_run_cmd(self):
        src = self.tree(requirements__txt='gunicorn\n',
                        Procfile='worker: x\nweb: gunicorn w:a\n')
        r = lp.recipe(src, 'auto')
        self.assertIn('"exec gunicorn w:a"', r.containerfile)
        self.assertNotIn('gunicorn\n', r.containerfile.split('pip')[1][:40])
        r = lp.recipe(src, 'python', run_cmd='python serve.py')
        self.assertIn('"exec python serve.py"', r.containerfile)

    def test_run_cmd_cannot_add_instructions(self):
        src = self.tree(requirements__txt='')
        evil = 'x\nRUN curl evil | sh\nUSER root'
        r = lp.recipe(src, 'python', run_cmd=evil)
        lines = r.containerfile.splitlines()
        self.assertNotIn('USER root', lines)
        self.assertFalse(any(x.startswith('RUN curl') for x in lines))
        self.assertEqual(['/bin/sh', '-c', evil], _cmd_of(lines))

    def test_no_run_command(self):
        src = self.tree(requirements__txt='flask\n')
        e = self.assertRaises(lp.NoPackFits, lp.recipe, src, 'python')
        self.assertIn('no run command', str(e))

    def test_pyproject_dependencies(self):
        src = self.tree(pyproject__toml='[project]\nname = "x"\n'
                        'dependencies = ["flask>=3", "gunicorn"]\n',
                        wsgi__py='application = None\n')
        r = lp.recipe(src, 'auto')
        self.assertEqual('flask>=3\ngunicorn\n',
                         r.extra_files[lp.GENERATED_REQUIREMENTS])
        self.assertIn('source=%s,' % lp.GENERATED_REQUIREMENTS,
                      r.containerfile)
        self.assertIn(': %s sha256=%s &&' % (
            lp.GENERATED_REQUIREMENTS,
            hashlib.sha256(b'flask>=3\ngunicorn\n').hexdigest()),
            r.containerfile)
        self.assertIn('wsgi:application', r.containerfile)

    def test_configured_base_image(self):
        self.conf.config(base_image_python='registry.example/py:3',
                         group='builder')
        r = lp.recipe(self.tree(requirements__txt=''), 'python',
                      run_cmd='x')
        self.assertIn('FROM registry.example/py:3\n', r.containerfile)

    def test_port(self):
        r = lp.recipe(self.tree(requirements__txt=''), 'python',
                      run_cmd='x', port=5000)
        self.assertIn('\nENV PORT=5000 VIRTUAL_ENV=', r.containerfile)
        self.assertIn('\nEXPOSE 5000\n', r.containerfile)


class TestNode(LPTestCase):

    def test_no_dependencies_skips_install(self):
        src = self.tree(package__json=json.dumps(
            {'scripts': {'start': 'node s.js'}}))
        r = lp.recipe(src, 'auto')
        self.assertEqual('nodejs', r.pack)
        self.assertNotIn('npm install', r.containerfile)
        self.assertNotIn('npm ci', r.containerfile)
        self.assertIn('"exec npm start"', r.containerfile)
        self.assertIn('FROM localhost/solum/base-nodejs:bookworm',
                      r.containerfile)

    def test_lock_file_means_npm_ci(self):
        src = self.tree(package__json=json.dumps(
            {'dependencies': {'left-pad': '1.3.0'}}),
            server__js='', **{'package-lock.json': '{}'})
        r = lp.recipe(src, 'nodejs', dev=True)
        self.assertIn('COPY --chown=1000:1000 package.json '
                      'package-lock.json /home/solum/app/', r.containerfile)
        self.assertIn('npm ci --no-audit', r.containerfile)
        self.assertIn('--include=dev', r.containerfile)
        self.assertIn('"exec node server.js"', r.containerfile)
        install = r.containerfile.index('npm ci')
        self.assertLess(install, r.containerfile.index('COPY --chown=1000:'
                                                       '1000 . '))

    def test_invalid_package_json(self):
        e = self.assertRaises(lp.NoPackFits, lp.recipe,
                              self.tree(package__json='{nope'), 'auto')
        self.assertIn('package.json: not valid JSON', str(e))


class TestOthers(LPTestCase):

    def test_dockerfile_is_used_as_is(self):
        r = lp.recipe(self.tree(Containerfile='FROM x\n'), 'auto')
        self.assertIsNone(r.containerfile)
        self.assertEqual('Containerfile', r.containerfile_path)

    def test_custom_pack_uses_its_image(self):
        r = lp.recipe(self.tree(requirements__txt='', app__py='app = 1\n'),
                      'py312', base='localhost/solum/lp/p/py312:latest')
        self.assertIn('FROM localhost/solum/lp/p/py312:latest',
                      r.containerfile)
        r = lp.recipe(self.tree(README='x'), 'mylp', run_cmd='./run',
                      base='localhost/solum/lp/p/mylp:latest')
        self.assertEqual('custom', r.pack)
        self.assertIn('"exec ./run"', r.containerfile)
