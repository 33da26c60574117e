"""Images in the local container storage: their names, tags and labels,
and the few Podman queries that the builder, the base-image bootstrap
and the local deployer make of them.

Every image the builder builds is tagged
``localhost/solum/<project>/<app>:<build-id>`` and labelled with the
app's uuid, name and project, its commit, build id and language pack: a
name is only a name (another app may reuse it after a delete), so what
belongs to an app is found by its labels.
"""

import json
import re
import shutil
import subprocess
import time

LABEL_APP = 'org.openstack.solum.app'
LABEL_APP_NAME = 'org.openstack.solum.app-name'
LABEL_PROJECT = 'org.openstack.solum.project'
LABEL_COMMIT = 'org.openstack.solum.commit'
LABEL_BUILD_ID = 'org.openstack.solum.build-id'
LABEL_PACK = 'org.openstack.solum.languagepack'

REPOSITORY = 'localhost/solum'
BASE_SUITE = 'bookworm'

# The OCI distribution grammar of a repository path component.
_TAG_COMPONENT = re.compile(r'^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$')
_TAG = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$')


class ImageError(Exception):
    """Podman could not answer a question about an image."""


# ----------------------------------------------------------------- names

def image_ref(project_id, app_name, build_id):
    """``localhost/solum/<project>/<app>:<build-id>``."""
    project = project_id.lower()
    for part in (project, app_name):
        if not _TAG_COMPONENT.match(part):
            raise ValueError('%r cannot be part of an image name' % part)
    if not _TAG.match(build_id):
        raise ValueError('%r is not a valid image tag' % build_id)
    return '%s/%s/%s:%s' % (REPOSITORY, project, app_name, build_id)


def lp_image_ref(project_id, name, uuid=None):
    """``localhost/solum/lp/<project>/<name>:latest`` (the pack's uuid
    stands for a name that is not a valid image path component)."""
    if not _TAG_COMPONENT.match(name):
        if not uuid:
            raise ValueError('%r cannot be part of an image name' % name)
        name = uuid.lower()
    return '%s/lp/%s/%s:latest' % (REPOSITORY, project_id.lower(), name)


def base_image_ref(kind):
    """``localhost/solum/base-<kind>:<suite>``, a bootstrapped base."""
    return '%s/base-%s:%s' % (REPOSITORY, kind, BASE_SUITE)


def build_labels(app, project_id, commit, build_id, pack):
    """The labels of an image the builder builds for ``app``."""
    return {LABEL_APP: app.uuid, LABEL_APP_NAME: app.name,
            LABEL_PROJECT: project_id, LABEL_COMMIT: commit,
            LABEL_BUILD_ID: build_id, LABEL_PACK: pack}


# --------------------------------------------------------------- queries

def podman_path():
    path = shutil.which('podman')
    if path is None:
        raise ImageError('podman is not installed '
                         '(run tools/install-container-tools.sh)')
    return path


def _run(args, timeout=120):
    argv = [podman_path()] + list(args)
    try:
        return subprocess.run(argv, capture_output=True, text=True,
                              errors='replace', timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ImageError('podman %s failed: %s' % (args[0], e))


def _failed(args, result):
    return ImageError('podman %s exited %d: %s' % (
        ' '.join(args[:2]), result.returncode,
        result.stderr.strip()[-500:]))


def exists(ref):
    """Whether the local container storage has the image ``ref``."""
    # After --: a reference is never read as a flag.
    result = _run(['image', 'exists', '--', ref])
    if result.returncode in (0, 1):
        return result.returncode == 0
    raise _failed(['image', 'exists'], result)


def inspect(ref, fmt):
    """One Go-template field of ``podman image inspect``."""
    args = ['image', 'inspect', '--format', fmt, '--', ref]
    result = _run(args)
    if result.returncode != 0:
        raise _failed(args, result)
    return result.stdout.strip()


def image_id(ref):
    return inspect(ref, '{{.Id}}')


def digest(ref):
    return inspect(ref, '{{.Digest}}')


def user(ref):
    return inspect(ref, '{{.Config.User}}')


def labels(ref):
    """The labels of a local image ({} when it has none), or None when
    there is no such image."""
    result = _run(['image', 'inspect', '--format', '{{json .Labels}}',
                   '--', ref])
    if result.returncode != 0:
        return None
    try:
        found = json.loads(result.stdout.strip() or 'null')
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def labels_and_digest(ref):
    """(labels, digest) of a local image in one ``podman image inspect``
    (labels {} when it has none), or (None, None) when there is no such
    image: the build stage's check of its candidate and the store's
    digest, one podman call instead of two."""
    result = _run(['image', 'inspect', '--format',
                   '{{.Digest}}|{{json .Labels}}', '--', ref])
    if result.returncode != 0:
        return None, None
    found_digest, _sep, text = result.stdout.strip().partition('|')
    try:
        found = json.loads(text.strip() or 'null')
    except ValueError:
        found = {}
    return (found if isinstance(found, dict) else {}), found_digest


def _list(wanted, fmt, attempts=5):
    args = ['images', '--noheading', '--format', fmt]
    for key, value in sorted(wanted.items()):
        args += ['--filter', 'label=%s=%s' % (key, value)]
    for attempt in range(attempts):
        result = _run(args)
        if result.returncode == 0:
            return result.stdout.splitlines()
        # Podman fails the whole listing when any image is removed while
        # it reads them (another build's cleanup): try again.
        if 'image not known' not in result.stderr or \
                attempt == attempts - 1:
            raise _failed(args, result)
        time.sleep(0.2 * (attempt + 1))
    return []


def ids_with_labels(wanted):
    """Ids of the local images that carry every label of ``wanted``."""
    return sorted({line.strip() for line in _list(wanted, '{{.ID}}')
                   if line.strip()})


def refs_with_labels(wanted):
    """What to remove to delete the images with every label of
    ``wanted``: their names (an image with several names goes with its
    last one), or the id of an image without a name."""
    refs = set()
    for line in _list(wanted, '{{.ID}} {{.Repository}}:{{.Tag}}'):
        parts = line.split()
        if len(parts) == 2:
            refs.add(parts[0] if '<none>' in parts[1] else parts[1])
    return sorted(refs)


def remove(refs, log=None):
    """Remove images that nothing uses any more; returns those removed.

    Never --force: it also removes the containers using the images'
    parent layers, which can be another build's working container (a
    concurrent build that hit the same cached layers).
    """
    removed = []
    for ref in refs:
        result = _run(['rmi', '--', ref], timeout=300)
        if result.returncode == 0:
            removed.append(ref)
            if log:
                log('removed image %s' % ref)
        elif log:
            log('could not remove image %s: %s' % (
                ref, result.stderr.strip()[-300:]))
    return removed
