"""A code-only rebuild without ``buildah bud``: the code layer goes
straight onto the app's cached dependency image.

A generated Containerfile ends with the code's ``COPY --chown=U . DIR``
(and the labels); everything above it (base image, user, environment,
dependency install, command) is the dependency image, which ``buildah
bud --layers`` caches. When only the code changed, bud still walks every
cached step (a lookup each) in a build network and cgroup of its own;
here the same image is made with ``buildah from`` the dependency image,
``copy``, ``config --label`` and ``commit``, and no build step runs (no
user code: no network or cgroup is needed).

The dependency image is the one bud made for the same Containerfile text
above the COPY and the same base image id: the key of buildah's own cache.
After each bud, this process finds it (the built image's grandparent: the
LABEL step's parent is the COPY step, whose parent it is) off the build's
path and remembers it. A tree with a ``.containerignore`` or
``.dockerignore`` is always built by bud (its COPY honours them), as is
every user Containerfile. Any failure here falls back to bud.
"""

import concurrent.futures
import hashlib
import os
import re
import tempfile
import threading
import uuid

from oslo_log import log as logging

from solum.builder import process
from solum.common import images

LOG = logging.getLogger(__name__)

_CODE_COPY = re.compile(r'^COPY --chown=(\d+:\d+) \. (/[A-Za-z0-9_./-]+)$')
IGNORE_FILES = ('.containerignore', '.dockerignore')

# Dependency key -> image id, for this process's builds.
_dependency_images = {}
_lock = threading.Lock()
_finder = concurrent.futures.ThreadPoolExecutor(
    max_workers=1, thread_name_prefix='code-layer')


def split(containerfile):
    """(text above the code's COPY, its --chown user, its destination)
    when the generated Containerfile ends with the code's COPY, or
    None."""
    lines = containerfile.rstrip('\n').split('\n')
    match = _CODE_COPY.match(lines[-1])
    if match is None:
        return None
    return '\n'.join(lines[:-1]) + '\n', match.group(1), match.group(2)


def dependency_key(containerfile, base_id):
    """The cache key of the dependency image (None: no fast path)."""
    parts = split(containerfile) if base_id else None
    if parts is None:
        return None
    return hashlib.sha256(('%s\n%s' % (base_id, parts[0])).encode(
        'utf-8')).hexdigest()


def reset():
    with _lock:
        _dependency_images.clear()


def remember(key, image_id):
    """Find the dependency image of ``image_id`` (just built by bud for
    ``key``), in the background."""
    if key is not None:
        _finder.submit(_find_dependency_image, key, image_id)


def settle(timeout=30):
    """Wait until the dependency images of the builds so far are found."""
    _finder.submit(lambda: None).result(timeout)


def _find_dependency_image(key, image_id):
    try:
        code = images.inspect(image_id, '{{.Parent}}')
        dependency = images.inspect(code, '{{.Parent}}') if code else ''
    except images.ImageError as e:
        LOG.info('The dependency image of %s is unknown: %s', image_id[:12],
                 e)
        return
    if dependency:
        with _lock:
            _dependency_images[key] = dependency


def _forget(key):
    with _lock:
        _dependency_images.pop(key, None)


def build(src, containerfile, base_name, base_id, tag, labels, log):
    """The image of ``containerfile`` with the code of ``src`` on the
    cached dependency image: its id, or None (bud builds it)."""
    key = dependency_key(containerfile, base_id)
    with _lock:
        dependency = _dependency_images.get(key)
    if dependency is None or any(os.path.lexists(os.path.join(src, name))
                                 for name in IGNORE_FILES):
        return None
    _deps, user, dest = split(containerfile)
    log('code-only change: the code goes onto the cached dependency image '
        '%s (no buildah bud)' % dependency[:12])
    name = 'solum-code-%s' % uuid.uuid4().hex[:12]
    # Whether the base image is still the one the dependency image was
    # built on, asked while the working container is made and filled.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        current_base = pool.submit(_image_id_or_none, base_name)
        try:
            process.run(['buildah', 'from', '--pull=never', '--quiet',
                         '--name', name, dependency], log=log)
        except process.CommandError as e:
            _forget(key)
            log('the cached dependency image is gone (%s): building with '
                'buildah bud' % _first_line(e))
            return None
        try:
            process.run(['buildah', 'copy', '--quiet', '--chown', user,
                         name, src + '/', dest], log=log)
            if current_base.result() == base_id:
                return _commit(name, tag, labels, log)
            _forget(key)
            log('the base image %s changed: building with buildah bud' %
                base_name)
        except process.CommandError as e:
            _forget(key)
            log('adding the code layer failed (%s): building with buildah '
                'bud' % _first_line(e))
    process.run(['buildah', 'rm', name], check=False)
    return None


def _commit(name, tag, labels, log):
    """Label and commit the working container ``name`` (removed by the
    commit); the image id."""
    config = ['buildah', 'config']
    for key in sorted(labels or {}):
        config += ['--label', '%s=%s' % (key, labels[key])]
    process.run(config + [name], log=log)
    with tempfile.TemporaryDirectory(prefix='solum-code-') as tmp:
        iid_file = os.path.join(tmp, 'image-id')
        process.run(['buildah', 'commit', '--quiet', '--rm', '--format',
                     'oci', '--iidfile', iid_file, name, tag], log=log)
        with open(iid_file) as f:
            return f.read().strip().replace('sha256:', '', 1)


def _image_id_or_none(name):
    try:
        return images.image_id(name)
    except images.ImageError:
        return None


def _first_line(error):
    return (str(error).splitlines() or [type(error).__name__])[0]
