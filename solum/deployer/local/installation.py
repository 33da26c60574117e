"""This installation's identity on the machine: the host label its
replicas carry (``solum.host``), so that two Solums on one machine never
take each other's containers for orphans.

``[deployer] host_label`` when set; otherwise ``<[DEFAULT] host>-<8 hex>``,
generated once and kept in ``$state_path/deployer-host-label`` (created
exclusively: two processes of one installation agree on it). An
installation made before that file existed (it has a ``router``
directory in its state path but no label file) keeps the bare ``[DEFAULT]
host``, the label its running replicas already carry.
"""

import os
import secrets
import time

from oslo_log import log as logging

from solum import conf

CONF = conf.CONF
LOG = logging.getLogger(__name__)

LABEL_FILE = 'deployer-host-label'

_cache = {}


def label_path():
    return os.path.join(CONF.state_path, LABEL_FILE)


def host_label():
    """The host label of this installation's replicas."""
    if CONF.deployer.host_label:
        return CONF.deployer.host_label
    key = (CONF.state_path, CONF.host)
    if key not in _cache:
        _cache[key] = _stored_label()
    return _cache[key]


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


def _stored_label():
    path = label_path()
    label = _read(path)
    if label:
        return label
    if os.path.isdir(os.path.join(CONF.state_path, 'router')):
        # Installed before labels were unique: its replicas run with the
        # bare host name, and keep it.
        label = CONF.host
    else:
        label = '%s-%s' % (CONF.host, secrets.token_hex(4))
    os.makedirs(CONF.state_path, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        # Another process of this installation was first: its label.
        return _wait_written(path)
    with os.fdopen(fd, 'w') as f:
        f.write(label + '\n')
    LOG.info('Host label of this installation\'s replicas: %s (kept in '
             '%s)', label, path)
    return label


def _wait_written(path, timeout=5):
    """The label another process has just created ``path`` for (it may
    not have written it yet)."""
    deadline = time.monotonic() + timeout
    while True:
        label = _read(path)
        if label or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    if not label:
        raise RuntimeError('%s stays empty: remove it or set [deployer] '
                           'host_label' % path)
    return label


def reset():
    """Forget the labels read (tests)."""
    _cache.clear()
