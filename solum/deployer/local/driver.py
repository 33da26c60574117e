"""The local driver: an app's replicas are Podman containers on this
machine, served through one HAProxy router.

LocalDriver is the ``base.Driver`` the deployer loads (entry point
``solum.deployers: local``): deploy, scale, undeploy, logs and status
here; replicas (replicas.py), reconcile and healing (healing.py) and load
sampling (metrics.py) in their own modules.
"""

import concurrent.futures

from oslo_log import log as logging

from solum import conf
from solum.common import images
from solum.deployer import driver as base
from solum.deployer.local import healing
from solum.deployer.local import metrics as metrics_mod
from solum.deployer.local import podman as podman_mod
from solum.deployer.local import prestart as prestart_mod
from solum.deployer.local import replicas as replicas_mod
from solum.deployer.local import router as router_mod

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class LocalDriver(base.Driver):

    def __init__(self, podman=None, router=None):
        self.podman = podman or podman_mod.Podman()
        self.router = router or router_mod.Router()
        self._replicas = replicas_mod.Replicas(self.podman, self.router)
        self._healer = healing.Healer(self._replicas)
        self._load = metrics_mod.LoadSampler(self._replicas)
        self._prestarts = prestart_mod.Prestarts(self._replicas)

    # -------------------------------------------------------- helpers

    def app_host(self, app):
        return replicas_mod.app_host(app)

    def app_path(self, app):
        return replicas_mod.app_path(app)

    def app_url(self, app):
        return 'http://%s:%d/' % (self.app_host(app),
                                  CONF.deployer.router_port)

    def replicas(self, app=None):
        return self._replicas.find(app)

    # ------------------------------------------------------ operations

    def deploy(self, target, on_serving=None):
        app, release = target.app, target.release
        if not self.router.running():
            self.router.start()
        # A replica started during the workflow's tests, of this very
        # release (Deployment checked that it is).
        adopted = [target.prestarted.replica] if target.prestarted else []
        # What runs of the app now, listed while the new release starts
        # (the app's lock keeps anything else from starting replicas of
        # it): one podman call off the path to serving. Replicas pending
        # for other workflows are theirs.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            running = pool.submit(self.replicas, app)
            new = self._replicas.start_healthy(app, release,
                                               max(target.replicas, 1),
                                               adopted=adopted)
            old = [r for r in running.result()
                   if r.release_uuid != release.uuid and
                   not r.pending(after=release.number)]
        try:
            # The earlier release is drained as the new one joins (one
            # reload): no new request reaches it once the new one serves.
            self.router.ensure_backend(
                replicas_mod.backend_for(app, release),
                self._replicas.routes(new, release),
                drain=[r.name for r in old])
            if on_serving is not None:
                on_serving()
        except Exception:
            self._undrain(app, old)
            self._replicas.retire(app, new)
            raise
        try:
            self._replicas.retire(app, old)
        except Exception as e:
            # The new release serves; the next heal removes the rest.
            LOG.warning('Stopping the earlier replicas of app %s failed: '
                        '%s', app.uuid, e)
        return self.app_url(app)

    def prestart(self, app, workflow_uuid, pending, ttl):
        """Start the first replica of ``pending`` while the workflow's
        tests run (prestart.py)."""
        self._prestarts.start(app, workflow_uuid, pending, ttl)

    def claim_prestart(self, workflow_uuid):
        return self._prestarts.claim(workflow_uuid)

    def discard_prestart(self, workflow_uuid, pending=None):
        if pending is not None:
            self._prestarts.remove(pending)
        else:
            self._prestarts.discard(workflow_uuid)

    def run_release_command(self, target, log):
        """The release's release_cmd in a throw-away container of its
        image (replicas.py), before any of its replicas starts."""
        return self._replicas.run_release_command(target.app,
                                                  target.release, log)

    def _undrain(self, app, replicas):
        """The deploy failed: the earlier release serves on."""
        try:
            self.router.add_servers(replicas_mod.backend_name(app), [],
                                    ready=[r.name for r in replicas])
        except Exception as e:
            LOG.warning('Serving the earlier replicas of app %s again '
                        'failed: %s (the next heal does)', app.uuid, e)

    def scale(self, target):
        app, release = target.app, target.release
        ours = [r for r in self.replicas(app)
                if r.release_uuid == release.uuid]
        running = [r for r in ours if r.state == 'running']
        wanted = max(target.replicas, 0)
        if len(running) < wanted:
            new = self._replicas.start_healthy(app, release,
                                               wanted - len(running))
            self.router.ensure_backend(
                replicas_mod.backend_for(app, release),
                self._replicas.routes(new, release))
        elif len(running) > wanted:
            # The newest replicas go first; the oldest keep serving.
            running.sort(key=lambda r: r.name)
            self._replicas.retire(app, running[wanted:])

    def undeploy(self, app):
        self.router.remove_backend(replicas_mod.backend_name(app))
        self.podman.remove([r.name for r in self.replicas(app)],
                           stop_timeout=0)
        self._load.forget(app)

    @staticmethod
    def image_project(image):
        """The project a local image was built for (its
        org.openstack.solum.project label), or None: unlabelled or not
        in the local container storage."""
        return (images.labels(image) or {}).get(images.LABEL_PROJECT)

    def logs(self, app, since=None, tail=None):
        lines = []
        for replica in self.replicas(app):
            out, err = self.podman.logs(replica.name, tail=tail, since=since)
            for text in (out, err):
                for line in text.splitlines():
                    when, rest = replicas_mod.parse_log_line(line)
                    lines.append({'replica': replica.name, 'time': when,
                                  'line': rest})
        lines.sort(key=lambda x: x['time'])
        return lines

    def status(self, app):
        stats = self.router.server_stats(replicas_mod.backend_name(app))
        result = []
        for replica in self.replicas(app):
            row = stats.get(replica.name, {})
            result.append({'name': replica.name, 'port': replica.port,
                           'release': replica.release_uuid,
                           'state': replica.state,
                           'router_status': row.get('status'),
                           'requests': int(row.get('stot') or 0)})
        return result

    def metrics(self, app):
        """Load of an app since the previous call (metrics.py)."""
        return self._load.metrics(app)

    # ------------------------------------------- reconcile and healing

    def start(self, targets):
        """Rebuild the router from what runs, then heal (healing.py)."""
        self._healer.start(targets)

    def heal(self, targets, current=None):
        """Replace crashed replicas, start missing ones, remove orphans
        (healing.py); ``current(app_uuid)``: the app's target now."""
        self._prestarts.forget_expired()
        self._healer.heal(targets, current)
