"""Replicas started while a workflow's tests run.

The unit-test stage builds the candidate image and then runs the app's
tests in it. As soon as the image exists, the builder tells the deployer,
which starts the first replica of the release-to-be beside the tests:
unrouted, labelled pending (replicas.L_PENDING_UNTIL) so that heals and
other deploys leave it alone. When the tests pass, the deploy creates the
release with the uuid and number the replica was started with and adopts
it: it only waits for an answer it mostly has already and moves traffic.
When the tests fail, or anything differs by then (another release took
the number, the app's settings changed), the replica is removed and the
deploy starts its own; a replica nobody claims is removed by a heal once
its time is up.

Pending replicas are known to the deployer process that started them;
another deployer (multi-process deployments) does not adopt them, and
removes the workflow's pending replica (by its labels) once it served
without it.
"""

import concurrent.futures
import threading
import time

from oslo_log import log as logging

LOG = logging.getLogger(__name__)

# Seconds a deploy waits for a pending replica whose start is still
# under way (podman run takes a fraction of a second).
CLAIM_WAIT = 30


class Prestarts:
    """The pending replicas this process started, by workflow uuid."""

    def __init__(self, replicas):
        self._replicas = replicas
        self._lock = threading.Lock()
        self._entries = {}   # workflow uuid -> (pending, future, deadline)

    def start(self, app, workflow_uuid, pending, ttl):
        """Start the first replica of ``pending`` (deployments.
        PendingRelease) for ``workflow_uuid``; at most one per
        workflow."""
        deadline = time.time() + ttl
        future = concurrent.futures.Future()
        with self._lock:
            if workflow_uuid in self._entries:
                return
            self._entries[workflow_uuid] = (pending, future, deadline)
        try:
            replica = self._replicas.start_unrouted(app, pending,
                                                    workflow_uuid, deadline)
        except Exception as e:
            LOG.info('Starting a replica of app %s during the tests of '
                     'workflow %s failed (its deploy starts its own): %s',
                     app.uuid, workflow_uuid, e)
            replica = None
        future.set_result(replica)
        if replica is None:
            with self._lock:
                self._entries.pop(workflow_uuid, None)

    def claim(self, workflow_uuid, wait=CLAIM_WAIT):
        """The workflow's pending release with its started ``replica``,
        taken out of the registry, or None."""
        with self._lock:
            entry = self._entries.pop(workflow_uuid, None)
        if entry is None:
            return None
        pending, future, _deadline = entry
        try:
            replica = future.result(timeout=wait)
        except concurrent.futures.TimeoutError:
            # Still starting: it stays pending and a heal removes it.
            return None
        if replica is None:
            return None
        pending.replica = replica
        return pending

    def remove(self, pending):
        """Remove a claimed pending release's replica."""
        self._replicas.podman.remove([pending.replica.name], stop_timeout=0)

    def discard(self, workflow_uuid):
        """The workflow will not deploy it (or deployed without it): remove
        its pending replica, this process's or another deployer's."""
        pending = self.claim(workflow_uuid)
        if pending is not None:
            names = [pending.replica.name]
            self.remove(pending)
        else:
            names = self._replicas.remove_pending(workflow_uuid)
        if names:
            LOG.info('Removed replica %s, started during the tests of '
                     'workflow %s', ', '.join(names), workflow_uuid)

    def forget_expired(self, now=None):
        """Drop entries past their time (a heal removes their
        containers)."""
        now = time.time() if now is None else now
        with self._lock:
            for key in [k for k, (_p, f, deadline) in self._entries.items()
                        if deadline <= now and f.done()]:
                del self._entries[key]
