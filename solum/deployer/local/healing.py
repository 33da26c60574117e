"""Reconcile and heal for the local driver: bring what runs on this host
back to what should run. At start the router is rebuilt from the replicas
that run; every check crashed or hung replicas are replaced, missing ones
started and orphans (of apps that should not run) removed, each app under
its lock."""

from oslo_log import log as logging

from solum.common import locks
from solum.deployer.local import replicas as replicas_mod

LOG = logging.getLogger(__name__)


class Healer:
    """Reconciles through ``replicas`` (a replicas.Replicas) and its
    podman and router."""

    def __init__(self, replicas):
        self.replicas = replicas
        self.podman = replicas.podman
        self.router = replicas.router

    def start(self, targets):
        """Rebuild the router from what runs, then heal: start missing
        replicas and remove orphans."""
        actual = self.replicas.find()
        self.router.backends = {}
        for target in targets:
            backend = replicas_mod.backend_for(target.app, target.release)
            path = backend.health_path
            serving = [r for r in actual
                       if r.release_uuid == target.release.uuid and
                       r.state == 'running' and
                       replicas_mod.probe(r.port, path)]
            for route in self.replicas.routes(serving, target.release):
                backend.place(*route)
            self.router.backends[backend.name] = backend
        # With nothing to serve, no router is started (it starts with the
        # first deploy); one left running is brought up to date.
        if targets or self.router.running():
            self.router.start()
        self.heal(targets)

    def heal(self, targets, current=None):
        """Replace crashed replicas, start missing ones, remove orphans.

        ``targets`` may be stale by the time an app's lock is taken (a
        deploy finished in between): ``current(app_uuid)`` gives the
        app's target as it is now (None: nothing should run).
        """
        wanted = {t.app.uuid: t for t in targets}
        seen = {(e.get('Labels') or {}).get(replicas_mod.L_APP)
                for e in self.podman.ps(self.replicas.labels())}
        seen.discard(None)
        for app_uuid in sorted(seen | set(wanted)):
            with locks.app_lock(app_uuid, blocking=False) as held:
                if not held:
                    continue   # a deploy or scale is at work on it
                try:
                    self._heal_one(app_uuid, wanted, current)
                except Exception as e:
                    LOG.warning('Healing app %s failed: %s', app_uuid, e)

    def _heal_one(self, app_uuid, wanted, current):
        target = current(app_uuid) if current else wanted.get(app_uuid)
        if target is None:
            self._remove_orphans(app_uuid)
        else:
            self._heal_app(target, self.replicas.find(target.app))

    def _remove_orphans(self, app_uuid):
        labels = self.replicas.labels()
        labels[replicas_mod.L_APP] = app_uuid
        # A replica pending for a workflow in its tests (the app's first
        # release, not recorded yet) is that workflow's.
        names = [r.name for r in map(replicas_mod.Replica.from_ps,
                                     self.podman.ps(labels))
                 if not r.pending()]
        if names:
            LOG.info('Removing %d orphan replicas of app %s', len(names),
                     app_uuid)
            self.podman.remove(names, stop_timeout=0)
        self.router.remove_backend('app_' + str(app_uuid).replace('-', ''))

    @staticmethod
    def _down_too_long(row, timeout):
        """A replica that runs but has failed the router's health checks
        for longer than the app's health timeout (hung) is replaced."""
        if not row or not row.get('status', '').startswith('DOWN'):
            return False
        try:
            return int(row.get('lastchg') or 0) > timeout
        except ValueError:
            return False

    def _heal_app(self, target, replicas):
        app, release = target.app, target.release
        # Replicas pending for a workflow in its tests are not the active
        # release's, nor strays, until their time is up.
        replicas = [r for r in replicas if not r.pending(after=release.number)]
        name = replicas_mod.backend_name(app)
        backend = self.router.backends.get(name)
        if backend is None:
            self.router.ensure_backend(
                replicas_mod.backend_for(app, release))
            backend = self.router.backends[name]
        _path, timeout = replicas_mod.health_settings(release.config)
        stats = self.router.server_stats(name)
        dead = [r for r in replicas if r.release_uuid != release.uuid or
                r.state != 'running' or
                self._down_too_long(stats.get(r.name), timeout)]
        for replica in dead:
            LOG.info('Replacing replica %s of app %s (%s)', replica.name,
                     app.uuid, replica.state)
            self.router.remove_server(name, replica.name, drain_timeout=0)
        if dead:
            self.podman.remove([r.name for r in dead], stop_timeout=0)
        alive = [r for r in replicas if r not in dead]
        self.replicas.add_to_router(app, release, [
            r for r in alive if r.name not in backend.servers])
        known = {r.name for r in alive}
        for server in list(backend.servers):
            if server not in known:
                self.router.remove_server(name, server, drain_timeout=0)
        missing = target.replicas - len(alive)
        if missing > 0:
            self.replicas.add_to_router(
                app, release,
                self.replicas.start_healthy(app, release, missing))
