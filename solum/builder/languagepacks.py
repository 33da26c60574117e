"""Language packs: which one fits a source tree, and the Containerfile it
builds.

Every generated Containerfile:

* starts FROM a local base image (or a custom language pack's image),
* runs as the unprivileged ``solum`` user (uid 1000),
* copies only the dependency manifest and installs the dependencies before
  the code is copied, so that with ``buildah bud --layers`` a change to the
  code alone reuses the dependency layer,
* reads the package-index settings and the CA bundle location from a build
  secret (``/run/solum/env``), so nothing of the build host ends up in the
  image or its history.

User input (run commands) only enters a Containerfile JSON-encoded in the
exec form of ``CMD``, so it cannot add instructions.
"""

import hashlib
import json
import re

from solum import conf
from solum.builder import base_images
from solum.builder import source
from solum.common.languagepacks import AUTO
from solum.common.languagepacks import is_builtin

CONF = conf.CONF

APP_DIR = '/home/solum/app'
VENV = '/home/solum/venv'
USER = '%d:%d' % (base_images.USER_ID, base_images.USER_ID)
ENV_SECRET_ID = 'solum-env'  # noqa: S105 (a name, not a secret)
ENV_SECRET_PATH = '/run/solum/env'  # noqa: S105
CA_PATH = '/run/solum/ca.crt'
# npm's cache during the install, inside the build container, then removed.
NPM_CACHE = '/home/solum/.npm-build-cache'

PYTHON_MANIFESTS = ('requirements.txt', 'pyproject.toml')
NODE_MANIFESTS = ('package.json',)
CONTAINERFILES = ('Containerfile', 'Dockerfile')
# Written into the build context for a pyproject.toml's dependencies.
GENERATED_REQUIREMENTS = '.solum-requirements.txt'

_SECRET_MOUNT = ('--mount=type=secret,id=%s,target=%s,uid=%d,mode=0400'
                 % (ENV_SECRET_ID, ENV_SECRET_PATH, base_images.USER_ID))
_LOAD_ENV = 'set -a && . %s && set +a' % ENV_SECRET_PATH
# Where the dependency install reads the requirements file, bind-mounted
# from the build context: a cached COPY of it costs a content hash and a
# layer lookup on every build, and its layer is of no use afterwards.
REQUIREMENTS_MOUNT = '/run/solum/requirements.txt'


# requirements.txt lines that need more of the tree than the file itself.
_LOCAL_REFERENCE = re.compile(
    r'^\s*(-r|--requirement|-c|--constraint|-e|--editable|\.|/|file:)',
    re.M)


class NoPackFits(Exception):
    """No language pack can build this source; the message says why."""


class Recipe:
    """What to build: the pack, its Containerfile and notes for the log."""

    def __init__(self, pack, containerfile=None, containerfile_path=None,
                 manifest=None, notes=None, extra_files=None):
        self.pack = pack
        # Text of a generated Containerfile, or None when the app brings
        # its own (containerfile_path, relative to the source).
        self.containerfile = containerfile
        self.containerfile_path = containerfile_path
        self.manifest = manifest  # the dependency manifest, for reasons
        self.notes = notes or []
        # name -> text, written into the source tree before the build.
        self.extra_files = extra_files or {}


def detect(src, languagepack=AUTO):
    """The built-in pack for ``src``: (name, why), or NoPackFits."""
    found = {name for name in PYTHON_MANIFESTS + NODE_MANIFESTS +
             CONTAINERFILES if source.exists(src, name)}
    if languagepack == 'python':
        if not found & set(PYTHON_MANIFESTS):
            raise NoPackFits('python language pack: no requirements.txt or '
                             'pyproject.toml found at the top of the '
                             'repository')
        return 'python', _first(found, PYTHON_MANIFESTS)
    if languagepack == 'nodejs':
        if 'package.json' not in found:
            raise NoPackFits('nodejs language pack: no package.json found at '
                             'the top of the repository')
        return 'nodejs', 'package.json'
    if languagepack == 'dockerfile':
        if not found & set(CONTAINERFILES):
            raise NoPackFits('dockerfile language pack: no Containerfile or '
                             'Dockerfile found at the top of the repository')
        return 'dockerfile', _first(found, CONTAINERFILES)
    if languagepack not in (AUTO, None, ''):
        raise NoPackFits('unknown language pack %r' % languagepack)
    for names, pack in ((CONTAINERFILES, 'dockerfile'),
                        (NODE_MANIFESTS, 'nodejs'),
                        (PYTHON_MANIFESTS, 'python')):
        if found & set(names):
            return pack, _first(found, names)
    raise NoPackFits('no language pack fits: no requirements.txt, '
                     'pyproject.toml, package.json or Containerfile found '
                     'at the top of the repository')


def _first(found, names):
    return next(n for n in names if n in found)


def procfile_web(src):
    """The ``web:`` command of a Procfile, or None."""
    text = source.safe_read(src, 'Procfile')
    if not text:
        return None
    for line in text.splitlines():
        key, sep, value = line.partition(':')
        if sep and key.strip() == 'web' and value.strip():
            return value.strip()
    return None


def _cmd(command):
    """CMD in exec form: the command runs through /bin/sh -c (Procfiles
    use $PORT), JSON-encoded so it stays one instruction."""
    return 'CMD %s' % json.dumps(['/bin/sh', '-c', 'exec ' + command
                                  if _simple(command) else command])


def _simple(command):
    # "exec" makes the app PID 1's direct child... only when it is one
    # command (no ;, &&, |, newlines).
    return not re.search(r'[;&|\n`]|\$\(', command)


def _wsgi_target(src):
    for module in ('wsgi', 'app', 'main', 'application'):
        text = source.safe_read(src, module + '.py')
        if text is None:
            continue
        for name in ('application', 'app'):
            if re.search(r'^%s\s*[:=]' % name, text, re.M):
                return '%s:%s' % (module, name)
    return None


def _header(pack, base, port, env=''):
    # Metadata goes before the code's COPY: every instruction after it
    # costs a layer commit on each build, and each one before it a cache
    # lookup, so there are as few as can be.
    return [
        '# Generated by Solum: %s language pack' % pack,
        'FROM %s' % base,
        'USER %s' % USER,
        'WORKDIR %s' % APP_DIR,
        'ENV PORT=%d%s' % (port, env),
        'EXPOSE %d' % port,
    ]


def _code(command):
    """CMD (after the dependencies, so that changing it does not
    reinstall them), then the code."""
    lines = [_cmd(command)] if command else []
    return lines + ['COPY --chown=%s . %s' % (USER, APP_DIR)]


def _pyproject_dependencies(text):
    try:
        import tomllib
    except ImportError:  # Python 3.10
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise NoPackFits('pyproject.toml: %s' % e)
    deps = data.get('project', {}).get('dependencies')
    if not isinstance(deps, list) or not all(isinstance(d, str)
                                             for d in deps):
        return None
    return deps


def python_recipe(src, base, run_cmd=None, port=8080, manifest=None):
    manifest = manifest or _first(
        {n for n in PYTHON_MANIFESTS if source.exists(src, n)},
        PYTHON_MANIFESTS)
    notes = []
    command = run_cmd or procfile_web(src)
    if run_cmd:
        notes.append('run command: workflow_config.run_cmd')
    elif command:
        notes.append('run command: the web: line of the Procfile')
    else:
        target = _wsgi_target(src)
        if target is None:
            raise NoPackFits(
                'python language pack: no run command: add a Procfile with '
                'a "web:" line, set workflow_config.run_cmd, or define '
                '"app" (or "application") in wsgi.py or app.py')
        command = 'gunicorn --bind 0.0.0.0:${PORT:-8080} %s' % target
        notes.append('run command: gunicorn serving the WSGI app %s' %
                     target)
    lines = _header('python', base, port, ' VIRTUAL_ENV=%s PATH=%s/bin:%s'
                    % (VENV, VENV, base_images.DEFAULT_PATH)) + [
        'RUN python3 -m venv %s' % VENV,
    ]
    extra = {}
    install = ['pip', 'install', '--no-cache-dir']
    deps_from = None   # (file in the context, its sha256)
    needs_gunicorn = command.split()[0] == 'gunicorn'
    post_install = None
    if manifest == 'requirements.txt':
        reqs = source.safe_read(src, 'requirements.txt') or ''
        needs_gunicorn = needs_gunicorn and not re.search(
            r'^\s*gunicorn\b', reqs, re.M | re.I)
        if _LOCAL_REFERENCE.search(reqs):
            # -r other.txt, -e ., ./lib ...: they need the rest of the tree.
            notes.append('requirements.txt refers to other files of the '
                         'repository: dependencies are installed with the '
                         'code (no dependency cache)')
            post_install = ' '.join(install + ['-r', 'requirements.txt'] +
                                    (['gunicorn'] if needs_gunicorn
                                     else []))
            needs_gunicorn = False
        else:
            deps_from = ('requirements.txt',
                         source.safe_digest(src, 'requirements.txt'))
    else:
        deps = _pyproject_dependencies(
            source.safe_read(src, 'pyproject.toml') or '')
        if deps is not None:
            extra[GENERATED_REQUIREMENTS] = ''.join(d + '\n' for d in deps)
            deps_from = (GENERATED_REQUIREMENTS, hashlib.sha256(
                extra[GENERATED_REQUIREMENTS].encode('utf-8')).hexdigest())
            needs_gunicorn = needs_gunicorn and not any(
                re.match(r'\s*gunicorn\b', d, re.I) for d in deps)
            notes.append('dependencies: [project].dependencies of '
                         'pyproject.toml')
        else:
            notes.append('pyproject.toml has no [project].dependencies '
                         'list: the project is installed with its code '
                         '(no dependency cache)')
            post_install = 'pip install --no-cache-dir .'
    if deps_from is not None:
        install += ['-r', REQUIREMENTS_MOUNT]
    if needs_gunicorn:
        install.append('gunicorn')
    if deps_from is not None:
        lines.append(_run_with_requirements(deps_from, ' '.join(install)))
    elif len(install) > 3:
        lines.append('RUN %s %s && %s' % (_SECRET_MOUNT, _LOAD_ENV,
                                          ' '.join(install)))
    lines += _code(command)
    if post_install:
        lines.append('RUN %s %s && %s' % (_SECRET_MOUNT, _LOAD_ENV,
                                          post_install))
    return Recipe('python', containerfile='\n'.join(lines) + '\n',
                  manifest=manifest, notes=notes, extra_files=extra)


def _run_with_requirements(deps_from, install):
    """The dependency install's RUN, the requirements file bind-mounted.
    A bind mount's content is not part of buildah's cache key: its
    digest in the command text is, so a change of the file reinstalls
    (and the same file reuses the cached layer)."""
    name, digest = deps_from
    return ('RUN --mount=type=bind,source=%s,target=%s %s %s && '
            ': %s sha256=%s && %s' % (name, REQUIREMENTS_MOUNT,
                                      _SECRET_MOUNT, _LOAD_ENV, name,
                                      digest, install))


def _package_json(src):
    text = source.safe_read(src, 'package.json')
    try:
        data = json.loads(text or '')
    except ValueError as e:
        raise NoPackFits('package.json: not valid JSON (%s)' % e)
    if not isinstance(data, dict):
        raise NoPackFits('package.json: not a JSON object')
    return data


def nodejs_recipe(src, base, run_cmd=None, port=8080, dev=False):
    data = _package_json(src)
    notes = []
    scripts = data.get('scripts') if isinstance(data.get('scripts'),
                                                dict) else {}
    command = run_cmd or procfile_web(src)
    if run_cmd:
        notes.append('run command: workflow_config.run_cmd')
    elif command:
        notes.append('run command: the web: line of the Procfile')
    elif scripts.get('start'):
        command = 'npm start'
        notes.append('run command: npm start (scripts.start)')
    else:
        main = data.get('main') if isinstance(data.get('main'), str) else ''
        for candidate in ([main] if main else []) + ['server.js', 'index.js',
                                                     'app.js']:
            if re.match(r'^[A-Za-z0-9_./-]+$', candidate) and \
                    source.exists(src, candidate):
                command = 'node %s' % candidate
                notes.append('run command: node %s' % candidate)
                break
        else:
            raise NoPackFits(
                'nodejs language pack: no run command: add scripts.start to '
                'package.json, a Procfile with a "web:" line, or set '
                'workflow_config.run_cmd')
    lines = _header('nodejs', base, port)
    has_deps = any(data.get(k) for k in ('dependencies', 'devDependencies',
                                         'optionalDependencies'))
    lock = source.exists(src, 'package-lock.json')
    manifests = ['package.json'] + (['package-lock.json'] if lock else [])
    lines.append('COPY --chown=%s %s %s/' % (USER, ' '.join(manifests),
                                             APP_DIR))
    if has_deps:
        npm = ['npm', 'ci' if lock else 'install', '--no-audit', '--no-fund',
               '--cache', NPM_CACHE]
        if dev:
            npm.append('--include=dev')
        lines.append('RUN %s %s && %s && rm -rf %s' % (
            _SECRET_MOUNT, _LOAD_ENV, ' '.join(npm), NPM_CACHE))
        notes.append('dependencies: %s%s' % (
            'npm ci (package-lock.json)' if lock else 'npm install',
            ', dev dependencies included for test_cmd' if dev else ''))
    else:
        notes.append('package.json lists no dependencies: npm install '
                     'skipped')
    lines += _code(command)
    return Recipe('nodejs', containerfile='\n'.join(lines) + '\n',
                  manifest='package.json', notes=notes)


def generic_recipe(src, base, run_cmd=None, port=8080):
    """A custom language pack's image with the code on top."""
    command = run_cmd or procfile_web(src)
    lines = _header('custom', base, port) + _code(command)
    return Recipe('custom', containerfile='\n'.join(lines) + '\n')


def recipe(src, languagepack=AUTO, run_cmd=None, port=8080, base=None,
           dev=False):
    """The Recipe for ``src``.  ``base`` replaces the built-in base image
    (a custom language pack's image)."""
    if base is not None and not is_builtin(languagepack):
        # A custom pack: a built-in recipe on its image where one fits.
        try:
            pack, manifest = detect(src, AUTO)
        except NoPackFits:
            pack = None
        if pack == 'python':
            return python_recipe(src, base, run_cmd, port, manifest)
        if pack == 'nodejs':
            return nodejs_recipe(src, base, run_cmd, port, dev)
        return generic_recipe(src, base, run_cmd, port)
    pack, manifest = detect(src, languagepack)
    if pack == 'dockerfile':
        return Recipe('dockerfile', containerfile_path=manifest,
                      manifest=manifest,
                      notes=['building the app\'s own %s' % manifest])
    if pack == 'python':
        r = python_recipe(src, base or base_image('python'),
                          run_cmd, port, manifest)
    else:
        r = nodejs_recipe(src, base or base_image('nodejs'),
                          run_cmd, port, dev)
    r.notes.insert(0, 'language pack %s (%s)' % (
        pack, 'detected from %s' % manifest if languagepack in (AUTO, None)
        else 'found %s' % manifest))
    return r


def base_image(kind):
    """The configured base image of ``kind``, or the bootstrapped one."""
    configured = getattr(CONF.builder, 'base_image_%s' % kind, '')
    return configured or base_images.image_name(kind)


def base_kind(pack):
    """The base image kind a built-in pack builds FROM, or None."""
    return {'python': 'python', 'nodejs': 'nodejs'}.get(pack)
