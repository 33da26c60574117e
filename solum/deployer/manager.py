"""The deployer worker: runs the images of apps as releases.

The RPC endpoint: deploys (deployments.Deployment), scaling, undeploys,
each under the app's lock (common.locks), so that two deployers never act
on one app at once. A periodic check replaces crashed replicas and
applies autoscaling policies; on start the drivers reconcile what runs
with the releases recorded as active.
"""

import threading
import time

import oslo_messaging as messaging
from oslo_log import log as logging

from solum import conf
from solum.common import exception
from solum.common import in_flight
from solum.common import locks
from solum.common import states
from solum.common import userlog
from solum.conductor import rpcapi as conductor_rpcapi
from solum.db import api as db_api
from solum.deployer import autoscale
from solum.deployer import deployments
from solum.deployer import driver as driver_mod

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# Seconds a deploy or scale waits for the start-up reconcile.
RECONCILE_WAIT = 600
# Seconds a scale request waits for the one before it (at another
# deployer) before it applies anyway: that one's message was lost.
SCALE_ORDER_WAIT = 60


# How long stop() waits for the periodic thread's current task.
STOP_JOIN = 30
# Seconds beyond [builder] test_timeout a replica started during the
# tests waits for its deploy (the build stage and hand-overs) before a
# heal removes it.
PRESTART_TTL_MARGIN = 300


class DeployerManager:
    """RPC endpoint of the deployer; see rpcapi for the version
    history."""

    target = messaging.Target(version='1.3')

    def __init__(self, driver=None):
        self.conductor = conductor_rpcapi.ConductorAPI()
        self.drivers = driver_mod.Drivers(driver)
        self._in_flight = in_flight.InFlight()
        self._stop = threading.Event()
        self._thread = None
        self._last_scaled = {}
        # Cleared while start() reconciles: deploys and scales wait, so
        # that the router and the replicas are rebuilt from the database
        # before anything changes them (reconcile's targets would be
        # stale after a deploy that overtook it).
        self._reconciled = threading.Event()
        self._reconciled.set()

    @property
    def driver(self):
        """The default driver ([deployer] driver)."""
        return self.drivers.default

    def _current_for(self, name):
        def current(app_uuid):
            target = self.current_target(app_uuid)
            if target is None or \
                    driver_mod.release_driver(target.release) != name:
                return None
            return target
        return current

    # ------------------------------------------------------- lifecycle

    def start(self):
        if CONF.deployer.reconcile_on_start:
            self._reconciled.clear()
        self._thread = threading.Thread(target=self._background,
                                        name='deployer-periodic',
                                        daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        # A reconcile or heal still running would act on whatever
        # database and drivers are set up after this stop (a test's next
        # one, a restarted service's).
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(STOP_JOIN)
        self.drivers.stop()

    def _background(self):
        if CONF.deployer.reconcile_on_start:
            try:
                if not self._stop.is_set():
                    self.reconcile()
            except Exception:
                LOG.exception('Reconciling deployed apps failed')
            finally:
                self._reconciled.set()
        while not self._stop.wait(CONF.deployer.check_interval):
            try:
                self.heal()
            except Exception:
                LOG.exception('Checking deployed apps failed')
            try:
                self.autoscale()
            except Exception:
                LOG.exception('Autoscaling failed')

    def heal(self):
        for name, targets in self.drivers.grouped(self.targets()).items():
            try:
                self.drivers.named(name).heal(
                    targets, current=self._current_for(name))
            except Exception:
                LOG.exception('Checking the apps of driver %s failed', name)

    def autoscale(self):
        """Apply the apps' autoscaling policies (parameters.autoscale)."""
        for target in self.targets():
            policy = (target.app.parameters or {}).get('autoscale')
            if not policy:
                continue
            metrics = self.drivers.of(target.release).metrics(target.app)
            current = target.release.replicas
            wanted = autoscale.desired_replicas(
                policy, current, metrics, CONF.quota.instances_per_app)
            if wanted == current:
                continue
            now = time.monotonic()
            last = self._last_scaled.get(target.app.uuid)
            if last is not None and now - last < autoscale.cooldown(policy):
                continue
            self._last_scaled[target.app.uuid] = now
            reason = 'autoscaling %d -> %d replica(s) (%s)' % (
                current, wanted, ', '.join(
                    '%s %.1f' % (k, v) for k, v in sorted(metrics.items())
                    if k in ('rps', 'cpu') and v is not None) or 'bounds')
            LOG.info('App %s: %s', target.app.uuid, reason)
            userlog.StageLog(target.app.uuid, target.app.project_id,
                             'deployer').write(reason)
            with locks.app_lock(target.app.uuid, blocking=False) as held:
                if held:
                    self._scale_locked(target.app.uuid, replicas=wanted)

    def targets(self):
        result = []
        for release in db_api.list_active_releases(None):
            try:
                app = db_api.get_app_by_id(None, release.app_id)
            except exception.NotFound:
                continue
            if app.status != states.DELETING:
                result.append(driver_mod.Target(app, release))
        return result

    def current_target(self, app_uuid):
        """What should run of one app now, or None."""
        try:
            app = db_api.get_app(None, app_uuid)
        except exception.NotFound:
            return None
        release = db_api.active_release(None, app.id)
        if release is None or app.status == states.DELETING:
            return None
        return driver_mod.Target(app, release)

    def reconcile(self):
        # Nothing deploys yet in this process: a release still DEPLOYING
        # was interrupted (its workflow is resumed by the conductor as a
        # new release); its replicas are removed as orphans below.
        failed = db_api.fail_interrupted_releases(
            None, 'interrupted by a restart of the deployer')
        if failed:
            LOG.info('Marked %d interrupted releases FAILED', failed)
        targets = self.targets()
        LOG.info('Reconciling %d deployed apps', len(targets))
        for name, group in self.drivers.grouped(targets).items():
            self.drivers.named(name).start(group)

    def _wait_reconciled(self):
        if not self._reconciled.wait(RECONCILE_WAIT):
            LOG.warning('Reconciling deployed apps takes over %d s; going '
                        'on without it', RECONCILE_WAIT)

    # ----------------------------------------------------- RPC methods

    def deploy(self, context, workflow_uuid):
        self._wait_reconciled()
        if not self._in_flight.claim(workflow_uuid):
            return
        try:
            try:
                wf = db_api.get_workflow_by_uuid(context, workflow_uuid)
            except exception.NotFound:
                return
            with locks.app_lock(wf.app.uuid):
                waiting = deployments.pending(wf)
                if not any(w.uuid == wf.uuid for w in waiting):
                    # Redelivered, applied by another deployer, or failed
                    # meanwhile (its app being deleted).
                    LOG.info('Workflow %s: nothing to deploy', wf.uuid)
                for each in waiting:
                    deployments.Deployment(self.drivers, self.conductor,
                                           context, each).run()
        finally:
            self._in_flight.release(workflow_uuid)

    def prestart(self, context, workflow_uuid, image):
        """Start the first replica of the workflow's release-to-be while
        its tests run ([deployer] start_during_tests); its deploy adopts
        it. Not under the app's lock: the replica is pending, which no
        other operation touches."""
        if not CONF.deployer.start_during_tests:
            return
        try:
            wf = db_api.get_workflow_by_uuid(context, workflow_uuid)
        except exception.NotFound:
            return
        app = wf.app
        if app.status == states.DELETING or \
                states.DEPLOY not in (wf.actions or []):
            return
        pending = deployments.pending_release(app, wf, image)
        if pending is None:
            return
        driver = self.drivers.named(driver_mod.config_driver(pending.config))
        try:
            driver.prestart(app, wf.uuid, pending, PRESTART_TTL_MARGIN +
                            CONF.builder.test_timeout)
        except Exception:
            LOG.exception('Starting a replica during the tests of workflow '
                          '%s failed', workflow_uuid)

    def discard_prestart(self, context, workflow_uuid):
        for driver in self.drivers.loaded():
            try:
                driver.discard_prestart(workflow_uuid)
            except Exception as e:
                LOG.warning('Removing the replica started during the tests '
                            'of workflow %s failed: %s (a heal does)',
                            workflow_uuid, e)

    def undeploy(self, context, app_uuid):
        self._wait_reconciled()
        with locks.app_lock(app_uuid):
            try:
                app = db_api.get_app(None, app_uuid)
            except exception.NotFound:
                return True
            names = {driver_mod.release_driver(r)
                     for r in db_api.list_releases(None, app.id)}
            names.add(driver_mod.chosen_driver(app))
            for name in sorted(names):
                self.drivers.named(name).undeploy(app)
        LOG.info('Undeployed app %s', app_uuid)
        return True

    def scale(self, context, app_uuid, replicas=None, serial=None):
        """Run ``replicas`` replicas of the app's active release (or, with
        none given, as many as the release asks for). ``serial`` numbers
        the request (db.request_scale): it applies after every earlier
        one, once, whichever deployer receives it."""
        self._wait_reconciled()
        deadline = time.monotonic() + SCALE_ORDER_WAIT
        while True:
            with locks.app_lock(app_uuid):
                try:
                    app = db_api.get_app(None, app_uuid)
                except exception.NotFound:
                    return
                if serial is None or self._scale_turn(app, serial,
                                                      deadline):
                    self._scale_app(app, replicas, serial)
                    return
            time.sleep(0.05)

    @staticmethod
    def _scale_turn(app, serial, deadline):
        """May request ``serial`` apply now? Also True for one already
        applied or overtaken (``_scale_app`` then skips it)."""
        if serial <= app.scale_applied + 1:
            return True
        if time.monotonic() > deadline:
            LOG.warning('App %s: scale request %d applies without %d..%d '
                        '(lost on the way)', app.uuid, serial,
                        app.scale_applied + 1, serial - 1)
            return True
        return False

    def _scale_locked(self, app_uuid, replicas):
        try:
            app = db_api.get_app(None, app_uuid)
        except exception.NotFound:
            return
        self._scale_app(app, replicas)

    def _scale_app(self, app, replicas=None, serial=None):
        release = db_api.active_release(None, app.id)
        if release is None or app.status == states.DELETING:
            LOG.info('App %s has no active release to scale', app.uuid)
            return
        if serial is not None:
            if not db_api.apply_scale(None, app.id, serial, release.id,
                                      replicas):
                LOG.info('App %s: scale request %d was applied already',
                         app.uuid, serial)
                return
            release.replicas = replicas
        elif replicas is not None:
            db_api.update_release(None, release.id, replicas=replicas)
            release.replicas = replicas
        log = userlog.StageLog(app.uuid, app.project_id, 'deployer')
        try:
            self.drivers.of(release).scale(driver_mod.Target(app, release))
            log.write('scaled to %d replica(s)' % release.replicas)
        except Exception as e:
            reason = e.describe() if isinstance(
                e, driver_mod.DeployError) else str(e)
            LOG.warning('Scaling app %s failed: %s', app.uuid, reason)
            log.write('scaling to %d replica(s) failed: %s' %
                      (release.replicas, reason))

    def app_logs(self, context, app_uuid, since=None, tail=None):
        app = db_api.get_app(None, app_uuid)
        return self._active_driver(app).logs(app, since=since, tail=tail)

    def app_status(self, context, app_uuid):
        app = db_api.get_app(None, app_uuid)
        return self._active_driver(app).status(app)

    def _active_driver(self, app):
        release = db_api.active_release(None, app.id)
        if release is None:
            return self.drivers.named(driver_mod.chosen_driver(app))
        return self.drivers.of(release)
