"""Per-app locks that hold across threads, processes and hosts.

One operation at a time acts on an app: a deploy, a scale, an undeploy or
a heal of its replicas. The locks live in a tooz backend, so two
deployers (two ``solum-deployer`` processes on one host, or on several
hosts sharing a database, as on a cloud) never act on one app at once.
"""

import contextlib
import os
import threading
import time
import uuid

from oslo_log import log as logging
from tooz import coordination

from solum import conf

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# Seconds between two tries of a lock held elsewhere, on backends that
# cannot wait for one with a timeout.
POLL_MIN = 0.01
POLL_MAX = 0.2

_coordinator = None
_guard = threading.Lock()


class LockTimeout(Exception):
    """An app's lock was not free within [coordination] lock_timeout."""


def backend_url():
    """[coordination] backend_url, or one derived from the database: a
    MySQL or PostgreSQL server every Solum host already shares, else file
    locks on this host (SQLite is one host's database anyway)."""
    if CONF.coordination.backend_url:
        return CONF.coordination.backend_url
    url = CONF.database.connection or ''
    scheme, sep, rest = url.partition('://')
    driver = scheme.split('+')[0]
    if sep and driver in ('mysql', 'postgresql'):
        # tooz picks its own DB-API driver: drop SQLAlchemy's "+pymysql".
        return '%s://%s' % (driver, rest)
    return 'file://%s' % os.path.join(CONF.state_path, 'locks')


def coordinator():
    global _coordinator
    with _guard:
        if _coordinator is None:
            member = '%s-%d-%s' % (CONF.host, os.getpid(),
                                   uuid.uuid4().hex[:8])
            started = coordination.get_coordinator(backend_url(),
                                                   member.encode())
            started.start(start_heart=True)
            _coordinator = started
        return _coordinator


def reset():
    """Stop the coordinator (tests, and a service that stops)."""
    global _coordinator
    with _guard:
        if _coordinator is not None:
            try:
                _coordinator.stop()
            except Exception as e:
                LOG.warning('Stopping the coordinator failed: %s', e)
            _coordinator = None


def _acquire(lock):
    """Wait for ``lock`` up to [coordination] lock_timeout."""
    timeout = CONF.coordination.lock_timeout
    if backend_url().startswith('file://'):
        return lock.acquire(blocking=True, timeout=timeout)
    # tooz's database locks do not give up at a timeout (MySQL's retries
    # for ever, PostgreSQL's refuses one): ask again and again instead,
    # less often the longer it takes.
    deadline = time.monotonic() + timeout
    delay = POLL_MIN
    while not lock.acquire(blocking=False):
        if time.monotonic() > deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 1.5, POLL_MAX)
    return True


@contextlib.contextmanager
def app_lock(app_uuid, blocking=True, scope='deployer'):
    """Hold the lock of one app. Blocking: wait up to [coordination]
    lock_timeout (then LockTimeout) and yield True; non-blocking: yield
    whether the lock was free (and is now held).

    ``scope``: whose lock. The conductor's deletion of an app holds its
    own while it waits for the deployer, which takes the deployer's.
    """
    lock = coordinator().get_lock(
        ('solum-%s-app-%s' % (scope, app_uuid)).encode())
    held = _acquire(lock) if blocking else lock.acquire(blocking=False)
    if blocking and not held:
        raise LockTimeout('app %s stayed locked by another operation for '
                          '%d s' % (app_uuid, CONF.coordination.lock_timeout))
    try:
        yield held
    finally:
        if held:
            lock.release()
