"""The builder's files under ``state_path/builds/<project>/``: a private
workspace per build, removed after it, and the project's ssh
known_hosts, kept."""

import contextlib
import os
import shutil

from solum import conf

CONF = conf.CONF


def _safe_segment(value):
    value = str(value)
    if not value or '/' in value or value in ('.', '..') or '\0' in value:
        raise ValueError('%r is not a safe path segment' % value)
    return value


@contextlib.contextmanager
def workspace(project_id, name):
    """``state_path/builds/<project>/<name>``: private, removed after."""
    builds = os.path.join(CONF.state_path, 'builds')
    project_dir = os.path.join(builds, _safe_segment(project_id))
    for path in (builds, project_dir):
        os.makedirs(path, mode=0o700, exist_ok=True)
        os.chmod(path, 0o700)
    path = os.path.join(project_dir, _safe_segment(name))
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, mode=0o700)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def known_hosts_file(project_id):
    """ssh host keys a project's fetches accepted (accept-new), kept."""
    path = os.path.join(CONF.state_path, 'builds',
                        _safe_segment(project_id), 'known_hosts')
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    return path
