"""Bootstrap Solum's base images from Debian packages, once, and cache them.

Where no container registry is reachable (as on the machines Solum is
developed on), the builder cannot ``FROM docker.io/library/python``.  Instead
the base images are built from Debian packages with ``mmdebstrap`` and
imported into the local container storage (the one Podman and buildah share),
where they stay until someone asks for a rebuild:

* ``localhost/solum/base-python:bookworm`` -- python3, python3-venv,
  ca-certificates
* ``localhost/solum/base-nodejs:bookworm`` -- nodejs, npm, ca-certificates

Both are ``--variant=essential`` Debian bookworm root filesystems without
documentation, man pages or locales, with an unprivileged ``solum`` user
(uid/gid 1000) as the default user.

apt inside mmdebstrap reaches the mirror the way the host's apt does: the
mirror URIs are taken from the host's apt sources and the network-related
apt settings (proxy, Valid-Until checks, ...) from ``apt-config dump``.  The
settings are used for the bootstrap only; they are removed from the image.

Usage::

    python3 -m solum.builder.base_images [--rebuild] [python] [nodejs]

Only the standard library is used; every external command runs from an
argument list, never through a shell.
"""

import argparse
import contextlib
import fcntl
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

from solum.common import images

SUITE = images.BASE_SUITE

DEFAULT_MIRROR = 'http://deb.debian.org/debian'
DEFAULT_SECURITY_MIRROR = 'http://deb.debian.org/debian-security'

DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

# Unprivileged user every base image runs as by default.
USER_NAME = 'solum'
USER_ID = 1000

# kind -> what goes into the image.
KINDS = {
    'python': {
        'packages': ['python3', 'python3-venv', 'ca-certificates'],
        'cmd': '["python3"]',
        'env': ['PYTHONUNBUFFERED=1'],
    },
    'nodejs': {
        'packages': ['nodejs', 'npm', 'ca-certificates'],
        'cmd': '["node"]',
        'env': ['NODE_ENV=production'],
    },
}

# dpkg filters: no documentation, man pages, info pages or translations
# (copyright files stay, as Debian's licences ask).  They are kept in the
# image, so packages installed later in a build are filtered the same way.
DPKG_OPTIONS = [
    'path-exclude=/usr/share/man/*',
    'path-exclude=/usr/share/info/*',
    'path-exclude=/usr/share/doc/*',
    'path-include=/usr/share/doc/*/copyright',
    'path-exclude=/usr/share/locale/*',
    'path-include=/usr/share/locale/locale.alias',
    'path-exclude=/usr/share/lintian/*',
    'path-exclude=/usr/share/linda/*',
]

# Host apt settings that decide how apt reaches the mirror.
_APT_KEY_PATTERNS = (
    r'Acquire::(http|https|ftp)::',
    r'Acquire::Check-Valid-Until\b',
    r'Acquire::Check-Date\b',
    r'Acquire::Max-FutureTime\b',
    r'Acquire::Retries\b',
    r'Acquire::Languages\b',
    r'Acquire::ForceIPv4\b',
    r'Acquire::ForceIPv6\b',
)

_CUSTOMIZE_HOOKS = [
    # Host apt/network settings are for the bootstrap only.
    'rm -f "$1/etc/apt/apt.conf.d/99mmdebstrap"',
    # The build host's resolver and name are not the image's.
    'rm -f "$1/etc/resolv.conf" "$1/etc/hostname"',
    # Unprivileged default user (the essential variant has no useradd).
    f'echo "{USER_NAME}:x:{USER_ID}:{USER_ID}:Solum:/home/{USER_NAME}:/bin/sh"'
    ' >> "$1/etc/passwd"',
    f'echo "{USER_NAME}:x:{USER_ID}:" >> "$1/etc/group"',
    'if [ -e "$1/etc/shadow" ]; then'
    f' echo "{USER_NAME}:*:19000:0:99999:7:::" >> "$1/etc/shadow"; fi',
    f'install -d -m 0755 -o {USER_ID} -g {USER_ID} "$1/home/{USER_NAME}"',
]


class BaseImageError(Exception):
    """A base image could not be built or imported."""


def image_name(kind):
    """The local name of the base image of ``kind`` (python, nodejs)."""
    if kind not in KINDS:
        raise ValueError('unknown base image kind %r (known: %s)'
                         % (kind, ', '.join(sorted(KINDS))))
    return images.base_image_ref(kind)


def _podman():
    try:
        return images.podman_path()
    except images.ImageError as e:
        raise BaseImageError(str(e))


def image_exists(name):
    """Whether the local container storage has an image called ``name``."""
    try:
        return images.exists(name)
    except images.ImageError as e:
        raise BaseImageError(str(e))


def image_id(name):
    """The full id of the local image ``name``."""
    try:
        return images.image_id(name)
    except images.ImageError as e:
        raise BaseImageError(str(e))


# Base images this process saw present: name -> id. A build FROM one
# skips asking podman again (37 ms of every build); a build that fails
# forgets it and checks for real (stages._build_image): a base image
# removed meanwhile is bootstrapped again and the build retried.
_seen = {}


def ensure_known(kind, log=print):
    """ensure_base_image, unless this process saw the image present."""
    name = image_name(kind)
    known = _seen.get(name)
    if known is not None:
        log('%s present (%s), skipping bootstrap' % (name, known[:12]))
        return known
    ident = ensure_base_image(kind, log=log)
    _seen[name] = ident
    return ident


def forget(kind):
    """Forget that the base image of ``kind`` was seen; True when it
    had been (a failed build then checks whether it is still there)."""
    return _seen.pop(image_name(kind), None) is not None


def reset():
    _seen.clear()


def present_id(name):
    """The full id of the local image ``name``, or None when there is no
    such image: one podman call when it is there (every build asks)."""
    try:
        return images.image_id(name)
    except images.ImageError:
        pass
    # Missing, or podman failed: tell them apart.
    if not image_exists(name):
        return None
    return image_id(name)


def _apt_source_uris():
    """URIs of the apt sources enabled on this host."""
    uris = []
    files = ['/etc/apt/sources.list']
    files += sorted(glob.glob('/etc/apt/sources.list.d/*.list'))
    files += sorted(glob.glob('/etc/apt/sources.list.d/*.sources'))
    for path in files:
        try:
            with open(path, encoding='utf-8', errors='replace') as f:
                text = f.read()
        except OSError:
            continue
        if path.endswith('.sources'):
            for stanza in re.split(r'\n\s*\n', text):
                if re.search(r'^Enabled:\s*no\b', stanza, re.M | re.I):
                    continue
                if not re.search(r'^Types:.*\bdeb\b', stanza, re.M):
                    continue
                match = re.search(r'^URIs:\s*(.+)$', stanza, re.M)
                if match:
                    uris.extend(match.group(1).split())
        else:
            for line in text.splitlines():
                line = line.split('#', 1)[0].strip()
                if not line.startswith('deb '):
                    continue
                words = re.sub(r'\[[^]]*\]', ' ', line).split()
                if len(words) >= 2:
                    uris.append(words[1])
    return uris


def debian_mirrors():
    """(mirror, security mirror) to bootstrap from.

    ``SOLUM_DEBIAN_MIRROR`` / ``SOLUM_DEBIAN_SECURITY_MIRROR`` win; then the
    Debian mirrors of the host's apt sources; then deb.debian.org.
    """
    mirror = os.environ.get('SOLUM_DEBIAN_MIRROR')
    security = os.environ.get('SOLUM_DEBIAN_SECURITY_MIRROR')
    for uri in _apt_source_uris():
        clean = uri.rstrip('/')
        if security is None and clean.endswith('/debian-security'):
            security = clean
        elif mirror is None and clean.endswith('/debian'):
            mirror = clean
    return mirror or DEFAULT_MIRROR, security or DEFAULT_SECURITY_MIRROR


def host_apt_options():
    """The host's apt settings on how to reach the mirror, as apt.conf lines.

    Proxies (``Acquire::http::Proxy`` ...), CA settings and the
    Valid-Until/date checks (needed when the mirror is a snapshot).
    """
    try:
        result = subprocess.run(['apt-config', 'dump'], capture_output=True,
                                text=True, check=False)
    except OSError:
        return []
    if result.returncode != 0:
        return []
    options = []
    pattern = re.compile('^(%s)' % '|'.join(_APT_KEY_PATTERNS))
    for line in result.stdout.splitlines():
        # Lines look like: Acquire::http::Proxy "http://proxy:3128";
        if pattern.match(line) and ' "' in line:
            options.append(line.rstrip(';'))
    return options


def mmdebstrap_command(kind, target):
    """The mmdebstrap argument list that writes the rootfs of ``kind``."""
    spec = KINDS[kind]
    mirror, security = debian_mirrors()
    cmd = ['mmdebstrap', '--variant=essential', '--mode=root',
           '--format=tar', '--include=' + ','.join(spec['packages'])]
    cmd += ['--aptopt=' + opt for opt in host_apt_options()]
    cmd += ['--dpkgopt=' + opt for opt in DPKG_OPTIONS]
    cmd += ['--customize-hook=' + hook for hook in _CUSTOMIZE_HOOKS]
    cmd += [SUITE, target,
            'deb %s %s main' % (mirror, SUITE),
            'deb %s %s-updates main' % (mirror, SUITE),
            'deb %s %s-security main' % (security, SUITE)]
    return cmd


def podman_import_command(kind, tarball):
    """The podman import argument list for the rootfs tarball of ``kind``."""
    spec = KINDS[kind]
    # Dockerfile syntax ("INSTRUCTION args"): the "INSTRUCTION=args" form
    # podman also takes breaks on values with spaces.
    changes = [
        'ENV PATH=' + DEFAULT_PATH,
        'ENV LANG=C.UTF-8',
    ]
    changes += ['ENV ' + env for env in spec['env']]
    changes += [
        'USER %d:%d' % (USER_ID, USER_ID),
        'WORKDIR /home/%s' % USER_NAME,
        'CMD ' + spec['cmd'],
        'LABEL org.opencontainers.image.title="solum-base-%s"' % kind,
        'LABEL org.opencontainers.image.description="Solum %s base image '
        '(Debian %s, mmdebstrap essential)"' % (kind, SUITE),
        'LABEL io.solum.base.kind="%s"' % kind,
        'LABEL io.solum.base.packages="%s"' % ','.join(spec['packages']),
    ]
    cmd = [_podman(), 'import']
    for change in changes:
        cmd += ['--change', change]
    cmd += ['--message', 'mmdebstrap %s %s' % (SUITE, kind), tarball,
            image_name(kind)]
    return cmd


def _stream(cmd, log, env=None):
    """Run ``cmd``, passing each output line to ``log`` as it comes."""
    log('$ ' + shlex.join(cmd))
    try:
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT,
                                bufsize=1, text=True, errors='replace')
    except OSError as e:
        raise BaseImageError('cannot run %s: %s' % (cmd[0], e))
    tail = []
    with proc:
        for line in proc.stdout:
            line = line.rstrip('\n')
            log(line)
            tail = (tail + [line])[-20:]
    if proc.returncode != 0:
        raise BaseImageError('%s exited with %d:\n%s'
                             % (os.path.basename(cmd[0]), proc.returncode,
                                '\n'.join(tail)))


@contextlib.contextmanager
def _lock(kind):
    """One bootstrap of ``kind`` at a time on this machine."""
    path = os.path.join(tempfile.gettempdir(), 'solum-base-%s.lock' % kind)
    with open(path, 'a') as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _work_dir():
    # mmdebstrap builds the chroot under TMPDIR and the tarball goes next to
    # it: keep both on a disk, not a small tmpfs.  Only used as the parent
    # of a mkdtemp() directory.
    for candidate in (os.environ.get('SOLUM_WORK_DIR'),
                      '/var/tmp'):  # noqa: S108
        if candidate and os.path.isdir(candidate):
            return candidate
    return None


def ensure_base_image(kind, rebuild=False, log=print):
    """Make sure the base image of ``kind`` exists; return its image id.

    Skips the bootstrap when the image is present, unless ``rebuild``.  Each
    line mmdebstrap and podman print is passed to ``log`` as it happens.
    """
    name = image_name(kind)
    if os.geteuid() != 0:
        raise BaseImageError('bootstrapping base images needs root '
                             '(mmdebstrap --mode=root, rootful podman)')
    with _lock(kind):
        old_id = present_id(name)
        if old_id is not None:
            if not rebuild:
                log('%s present (%s), skipping bootstrap'
                    % (name, old_id[:12]))
                return old_id
        if shutil.which('mmdebstrap') is None:
            raise BaseImageError('mmdebstrap is not installed '
                                 '(run tools/install-container-tools.sh)')
        started = time.monotonic()
        workdir = tempfile.mkdtemp(prefix='solum-base-%s-' % kind,
                                   dir=_work_dir())
        try:
            tarball = os.path.join(workdir, 'rootfs.tar')
            env = dict(os.environ, TMPDIR=workdir)
            _stream(mmdebstrap_command(kind, tarball), log, env=env)
            size = os.path.getsize(tarball)
            log('rootfs %s: %.1f MB in %.1f s'
                % (kind, size / 1e6, time.monotonic() - started))
            _stream(podman_import_command(kind, tarball), log)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        new_id = image_id(name)
        if old_id and old_id != new_id:
            # The previous image is now untagged; drop it unless in use.
            subprocess.run([_podman(), 'rmi', old_id],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
        log('%s built as %s in %.1f s'
            % (name, new_id[:12], time.monotonic() - started))
        return new_id


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='python3 -m solum.builder.base_images',
        description='Bootstrap Solum base images with mmdebstrap and import '
                    'them into local container storage.')
    parser.add_argument('--rebuild', action='store_true',
                        help='rebuild even if the image exists')
    parser.add_argument('kinds', nargs='*', metavar='KIND',
                        help='%s (default: all)' % ', '.join(sorted(KINDS)))
    args = parser.parse_args(argv)
    kinds = args.kinds or sorted(KINDS)
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        parser.error('unknown kind(s): %s (known: %s)'
                     % (', '.join(unknown), ', '.join(sorted(KINDS))))

    def log(line):
        print(line, flush=True)

    try:
        for kind in kinds:
            ident = ensure_base_image(kind, rebuild=args.rebuild, log=log)
            print('%s %s' % (image_name(kind), ident), flush=True)
    except BaseImageError as e:
        print('error: %s' % e, file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
