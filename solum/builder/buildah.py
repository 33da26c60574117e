"""buildah: the ``buildah bud`` command line, the build secret and the
generated Containerfile's labels, and one build run (in the build's
network and cgroup, see solum.builder.sandbox) retried when the shared
container storage changes under it.

``images`` here is solum.common.images (queries of the container
storage)."""

import os
import re
import shlex

from solum import conf
from solum.builder import code_layer
from solum.builder import containerfile as containerfile_check
from solum.builder import languagepacks
from solum.builder import netns
from solum.builder import process
from solum.builder import reasons
from solum.builder import sandbox
from solum.builder import source
from solum.common import images

CONF = conf.CONF

_LABEL_KEY = re.compile(r'^[a-z0-9][a-z0-9.-]*$')
_LABEL_VALUE = re.compile(r'^[A-Za-z0-9._:/@+-]*$')


class BuildError(Exception):
    """A build failed; the message is the one-line reason."""


class _StorageRace(Exception):
    """A layer the build reused was removed under it (another app's images
    deleted beside the build, in the shared container storage)."""


# What buildah says when a cached layer it found is gone before it uses
# it; the build is run again, as it then builds the layer afresh.
# What buildah prints when another process's `podman rmi` took a cached
# layer or intermediate image between "Using cache" and its use.
_STORAGE_RACE = re.compile(
    r'layer not known|creating build container: [0-9a-f]{64}: '
    r'image not known')
STORAGE_RACE_ATTEMPTS = 3


def env_secret(names=None, ca_path=None):
    """The text of the build secret that dependency installs source:
    package-index settings of the builder host, CA bundle location."""
    lines = []
    for name in names if names is not None else \
            CONF.builder.passthrough_env:
        if name in ('PIP_FIND_LINKS', 'PIP_CERT', 'PIP_CONFIG_FILE'):
            continue  # host paths that do not exist in the build
        value = os.environ.get(name)
        if value and re.match(r'^[A-Za-z_][A-Za-z0-9_]*$', name):
            lines.append('export %s=%s' % (name, shlex.quote(value)))
    if ca_path:
        for name in ('PIP_CERT', 'NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE',
                     'npm_config_cafile'):
            lines.append('export %s=%s' % (name, ca_path))
    # Host-wide pip.conf may name local wheel directories: ignore it.
    lines.append('export PIP_CONFIG_FILE=/dev/null')
    return '\n'.join(lines) + '\n'


def label_instruction(labels):
    """One LABEL instruction for a generated Containerfile."""
    if not labels:
        return ''
    for key, value in labels.items():
        if not _LABEL_KEY.match(key) or not _LABEL_VALUE.match(value):
            raise ValueError('label %r=%r is not accepted' % (key, value))
    return 'LABEL %s\n' % ' '.join('%s="%s"' % (k, labels[k])
                                    for k in sorted(labels))


def buildah_command(context_dir, containerfile, tag, labels, secret_file,
                    iid_file, network=None):
    """The ``buildah bud`` argument list; ``network`` is the build's
    netns.BuildNetwork (the caller runs the command in it) or None."""
    # --force-rm: a failed (or terminated) build leaves no working
    # container behind.
    cmd = ['buildah', 'bud', '--layers', '--force-rm',
           '--isolation', CONF.builder.isolation,
           '--ulimit', 'nproc=%d:%d' % (CONF.builder.build_nproc,
                                        CONF.builder.build_nproc),
           '--memory', CONF.builder.build_memory,
           '--cpu-shares', str(CONF.builder.build_cpu_shares),
           '--secret', 'id=%s,src=%s' % (languagepacks.ENV_SECRET_ID,
                                         secret_file),
           '--iidfile', iid_file,
           '--format', 'oci']
    if CONF.builder.isolation == 'oci':
        # The build steps share buildah's network namespace, as with
        # chroot: the build network when there is one, else the host's
        # (the CNI/netavark bridge is not set up on these machines).
        cmd += ['--network', 'host']
    if network is not None:
        # slirp4netns's forwarder: works whatever the host's resolvers
        # are (a resolver on the host's loopback is not reachable from
        # the build network, 10.0.2.3 forwards to it).
        cmd += ['--dns', netns.DNS]
    if CONF.builder.ca_bundle and os.path.isfile(CONF.builder.ca_bundle):
        cmd += ['-v', '%s:%s:ro' % (CONF.builder.ca_bundle,
                                    languagepacks.CA_PATH)]
    for key in sorted(labels or {}):
        cmd += ['--label', '%s=%s' % (key, labels[key])]
    cmd += ['-f', containerfile, '-t', tag, context_dir]
    return cmd


def build(workdir, src, recipe, tag, labels, log, project_id=None,
          base=None):
    """Build ``recipe`` from the tree ``src``; return the image id.

    ``workdir`` holds the generated Containerfile and the build secret,
    outside the build context. ``base``: (name, id) of the local base
    image a generated Containerfile starts FROM, when known: a code-only
    change is then built without bud when it can be (code_layer.py).
    """
    for name, text in recipe.extra_files.items():
        with open(os.path.join(src, name), 'w') as f:
            f.write(text)
    cli_labels = labels
    if recipe.containerfile is not None:
        containerfile = os.path.join(workdir, 'Containerfile.solum')
        text = recipe.containerfile + label_instruction(labels)
        with open(containerfile, 'w') as f:
            f.write(text)
        log('generated Containerfile:')
        for line in text.splitlines():
            log('  ' + line)
        cli_labels = None  # one LABEL step instead of one per label
        if base is not None:
            image_id = code_layer.build(src, recipe.containerfile, base[0],
                                        base[1], tag, labels, log)
            if image_id:
                return image_id
    else:
        containerfile = os.path.join(src, recipe.containerfile_path)
        text = source.safe_read(src, recipe.containerfile_path)
        if text is None:
            raise BuildError('%s: not a regular file' %
                             recipe.containerfile_path)
        try:
            containerfile_check.check(
                text, project_id or labels.get(images.LABEL_PROJECT, ''),
                recipe.containerfile_path)
        except containerfile_check.ContainerfileRefused as e:
            raise BuildError(str(e))
    secret = os.path.join(workdir, 'build-env')
    fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    ca = CONF.builder.ca_bundle if CONF.builder.ca_bundle and \
        os.path.isfile(CONF.builder.ca_bundle) else None
    with os.fdopen(fd, 'w') as f:
        f.write(env_secret(ca_path=languagepacks.CA_PATH if ca else None))
    iid_file = os.path.join(workdir, 'image-id')
    for attempt in range(1, STORAGE_RACE_ATTEMPTS + 1):
        try:
            _buildah(src, containerfile, tag, cli_labels, secret, iid_file,
                     recipe, log)
            break
        except _StorageRace as e:
            if attempt == STORAGE_RACE_ATTEMPTS:
                raise BuildError('build failed: %s' % e)
            log('the container storage changed under the build (an image '
                'was removed beside it: %s); building again' % e)
    with open(iid_file) as f:
        image_id = f.read().strip().replace('sha256:', '', 1)
    if base is not None and recipe.containerfile is not None:
        code_layer.remember(
            code_layer.dependency_key(recipe.containerfile, base[1]),
            image_id)
    if recipe.pack == 'dockerfile':
        user = images.user(image_id)
        if user.split(':')[0] in ('', '0', 'root'):
            images.remove([image_id], log)
            raise BuildError('%s: the image would run as root; add a USER '
                             'line with an unprivileged user' %
                             recipe.containerfile_path)
    return image_id


def _buildah(src, containerfile, tag, cli_labels, secret, iid_file, recipe,
             log):
    """One ``buildah bud`` in the build's network and cgroup."""
    try:
        net = sandbox.build_network(log)
    except sandbox.SandboxError as e:
        raise BuildError(str(e))
    group = None
    try:
        cmd = buildah_command(src, containerfile, tag, cli_labels, secret,
                              iid_file, network=net)
        if net is not None:
            cmd = net.command(cmd)
        group = sandbox.build_cgroup(log)
        process.run(cmd, log=log, timeout=CONF.builder.build_timeout,
                    env=_build_env(),
                    preexec_fn=group.preexec_fn() if group else None)
    except sandbox.SandboxError as e:
        raise BuildError(str(e))
    except process.CommandError as e:
        if e.timed_out:
            raise BuildError('build timed out after %d s' %
                             CONF.builder.build_timeout)
        if e.returncode is None:
            raise BuildError(str(e))
        race = [line for line in e.tail if _STORAGE_RACE.search(line)]
        if race:
            raise _StorageRace(race[-1].strip())
        limit = group.failure_reason() if group else None
        if limit:
            raise BuildError(limit)
        raise BuildError(reasons.build_failure(
            e.tail, recipe.manifest, recipe.pack,
            memory=CONF.builder.build_memory
            if CONF.builder.isolation == 'oci' else None))
    finally:
        if group:
            group.kill()
            group.remove()
        if net is not None:
            net.stop()


def _build_env():
    env = dict(os.environ)
    # buildah passes proxy variables on to RUN steps by itself (and keeps
    # them out of the image); nothing else of the host should leak in.
    env.pop('PIP_FIND_LINKS', None)
    env.setdefault('BUILDAH_LAYERS', 'true')
    return env
