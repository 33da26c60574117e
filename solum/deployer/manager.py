"""The deployer worker: runs the images of apps as releases.

A deploy creates a release (image + configuration snapshot), asks the
driver to run its replicas and move traffic to them, and reports the
workflow's outcome to the conductor. A periodic check replaces crashed
replicas; on start the driver reconciles what runs with the releases
recorded as active.
"""

import re
import threading
import time

import oslo_messaging as messaging
from oslo_log import log as logging

from solum import conf
from solum.common import exception
from solum.common import in_flight
from solum.common import userlog
from solum.conductor import rpcapi as conductor_rpcapi
from solum.conductor import states
from solum.db import api as db_api
from solum.deployer import autoscale
from solum.deployer import driver as driver_mod

CONF = conf.CONF
LOG = logging.getLogger(__name__)


def chosen_driver(app):
    """The driver an app asks for (parameters.deployer) when the operator
    allows it ([deployer] allowed_drivers), else [deployer] driver."""
    wanted = (app.parameters or {}).get('deployer')
    if wanted and wanted in CONF.deployer.allowed_drivers:
        return wanted
    return CONF.deployer.driver


def config_driver(config):
    """The driver a release of this configuration runs on."""
    return (config or {}).get('driver') or CONF.deployer.driver


def release_driver(release):
    """The driver a release runs on."""
    return config_driver(release.config)


def config_snapshot(app, wf):
    """What of the app a release keeps: how its replicas run."""
    ports = list(app.ports or [])
    params = app.parameters or {}
    run_cmd = (wf.config or {}).get('run_cmd') or \
        (app.workflow_config or {}).get('run_cmd')
    config = {
        'ports': ports,
        'port': ports[0] if ports else CONF.deployer.default_port,
        'env': dict(params.get('user_params') or {}),
        'run_cmd': run_cmd,
        'health': dict(params.get('health') or {}),
    }
    # Where the builder stored the image in Glance (the heat driver boots
    # or fetches it from there).
    glance_id = (wf.result or {}).get('glance_id')
    if glance_id:
        config['glance_id'] = glance_id
    driver = chosen_driver(app)
    if driver != CONF.deployer.driver:
        config['driver'] = driver
    return config


def app_images(app, releases):
    """Images of an app that may be removed with it: those its releases
    ran that Solum built for it (``localhost/solum/<its project>/<its
    name>:...``), never a shared base image nor another project's image
    of the same name."""
    pattern = re.compile(r'^localhost/solum/%s/%s:[^/]+$' % (
        re.escape(app.project_id.lower()), re.escape(app.name)))
    return sorted({r.image for r in releases if pattern.match(r.image)})


def du_id_problem(app, image, driver):
    """Why ``image`` (a workflow's du_id) may not be deployed for ``app``,
    or None: it must be the image of one of the app's releases, or one
    the driver finds labelled with the app's project."""
    if image in {r.image for r in db_api.list_releases(app.id)}:
        return None
    owner = getattr(driver, 'image_project', None)
    if owner is None:
        # The driver fetches images with the app's own credentials (heat:
        # Glance through the app's trust), which see only what they may.
        return None
    if not image.startswith('-') and owner(image) == app.project_id:
        return None
    # The same words whether the image is another project's or missing:
    # a refusal tells nothing of other projects' images.
    return 'image %s (du_id) does not belong to project %s' % (
        image, app.project_id)


# Seconds a deploy or scale waits for the start-up reconcile.
RECONCILE_WAIT = 600


class DeployerManager:
    """RPC endpoint of the deployer.

    API version history:

    * 1.0 - deploy, undeploy
    * 1.1 - scale, app_logs, app_status
    """

    target = messaging.Target(version='1.1')

    def __init__(self, driver=None):
        self.conductor = conductor_rpcapi.ConductorAPI()
        self._driver = driver
        self._in_flight = in_flight.InFlight()
        self._drivers = {}
        self._drivers_lock = threading.Lock()
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
        if self._driver is None:
            self._driver = driver_mod.load()
        return self._driver

    def driver_named(self, name):
        if name == CONF.deployer.driver:
            return self.driver
        with self._drivers_lock:
            if name not in self._drivers:
                self._drivers[name] = driver_mod.load(name)
            return self._drivers[name]

    def driver_of(self, release):
        return self.driver_named(release_driver(release))

    def _by_driver(self, targets):
        """{driver name: targets}; the default driver always listed."""
        grouped = {CONF.deployer.driver: []}
        grouped.update({name: [] for name in self._drivers})
        for target in targets:
            grouped.setdefault(release_driver(target.release),
                               []).append(target)
        return grouped

    def _current_for(self, name):
        def current(app_uuid):
            target = self.current_target(app_uuid)
            if target is None or release_driver(target.release) != name:
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
        if self._driver is not None:
            self._driver.stop()
        for other in self._drivers.values():
            other.stop()

    def _background(self):
        if CONF.deployer.reconcile_on_start:
            try:
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
        for name, targets in self._by_driver(self.targets()).items():
            try:
                self.driver_named(name).heal(
                    targets, current=self._current_for(name))
            except Exception:
                LOG.exception('Checking the apps of driver %s failed', name)

    def autoscale(self):
        """Apply the apps' autoscaling policies (parameters.autoscale)."""
        for target in self.targets():
            policy = (target.app.parameters or {}).get('autoscale')
            if not policy:
                continue
            metrics = self.driver_of(target.release).metrics(target.app)
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
            db_api.update_release(target.release.id, replicas=wanted)
            self.scale(None, target.app.uuid)

    def targets(self):
        result = []
        for release in db_api.list_active_releases():
            try:
                app = db_api.get_app_by_id(release.app_id)
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
        release = db_api.active_release(app.id)
        if release is None or app.status == states.DELETING:
            return None
        return driver_mod.Target(app, release)

    def reconcile(self):
        # Nothing deploys yet in this process: a release still DEPLOYING
        # was interrupted (its workflow is resumed by the conductor as a
        # new release); its replicas are removed as orphans below.
        failed = db_api.fail_interrupted_releases(
            'interrupted by a restart of the deployer')
        if failed:
            LOG.info('Marked %d interrupted releases FAILED', failed)
        targets = self.targets()
        LOG.info('Reconciling %d deployed apps', len(targets))
        for name, group in self._by_driver(targets).items():
            self.driver_named(name).start(group)

    # ----------------------------------------------------- RPC methods


    def _wait_reconciled(self):
        if not self._reconciled.wait(RECONCILE_WAIT):
            LOG.warning('Reconciling deployed apps takes over %d s; going '
                        'on without it', RECONCILE_WAIT)

    def deploy(self, context, workflow_uuid):
        self._wait_reconciled()
        if not self._in_flight.claim(workflow_uuid):
            return
        try:
            self._deploy(context, workflow_uuid)
        finally:
            self._in_flight.release(workflow_uuid)

    def _deploy(self, context, workflow_uuid):
        wf = db_api.get_workflow_by_uuid(workflow_uuid)
        app = wf.app
        stage = wf.status
        if stage not in (states.DEPLOYING, states.STARTING_APP):
            # Redelivered, or failed meanwhile (its app being deleted).
            LOG.info('Workflow %s is %s: nothing to deploy', wf.uuid, stage)
            return
        log = userlog.StageLog(wf.uuid, wf.project_id, 'deployer')
        image = wf.du_id or (wf.result or {}).get('image')
        if not image:
            self._fail(context, wf, stage, log, 'nothing to deploy: the '
                       'workflow names no image (du_id) and no build '
                       'produced one')
            return
        if app.status == states.DELETING:
            self._fail(context, wf, stage, log, 'the app is being deleted')
            return
        rollback_to = (wf.result or {}).get('rollback_to')
        if rollback_to:
            source = db_api.get_release(app.id, int(rollback_to))
            config = source.config
        else:
            config = config_snapshot(app, wf)
        if wf.du_id:
            problem = du_id_problem(app, image, self.driver_named(
                config_driver(config)))
            if problem:
                self._fail(context, wf, stage, log, problem)
                return
        active = db_api.active_release(app.id)
        replicas = wf.scale_target or (active.replicas if active else 1)
        release = db_api.create_release(app, {
            'image': image, 'config': config, 'workflow_id': wf.id,
            'rollback_of': int(rollback_to) if rollback_to else None,
            'replicas': replicas})
        log.write('release %d: deploying %s with %d replica(s)%s' % (
            release.number, image, replicas,
            ' (rollback to release %s)' % rollback_to if rollback_to
            else ''))
        if stage == states.DEPLOYING:
            self.conductor.report_state(context, wf.uuid, states.DEPLOYING,
                                        states.STARTING_APP)
            stage = states.STARTING_APP
        driver = self.driver_of(release)
        try:
            url = driver.deploy(
                driver_mod.Target(app, release, replicas),
                on_serving=lambda: db_api.activate_release(release.id))
        except driver_mod.DeployError as e:
            db_api.update_release(release.id, status=db_api.RELEASE_FAILED,
                                  reason=e.reason)
            for line in e.log_lines:
                log.write('replica: %s' % line)
            self._fail(context, wf, stage, log, 'release %d failed: %s' % (
                release.number, e.describe()), state=e.state)
            return
        except Exception as e:
            LOG.exception('Deploying workflow %s failed', wf.uuid)
            db_api.update_release(release.id, status=db_api.RELEASE_FAILED,
                                  reason=str(e))
            self._fail(context, wf, stage, log, 'release %d failed: %s' % (
                release.number, e))
            return
        log.write('release %d is serving at %s' % (release.number, url))
        if active is not None and release_driver(active) != \
                release_driver(release):
            # The app moved to another driver: stop it on the old one.
            log.write('stopping the app on the %s driver' %
                      release_driver(active))
            try:
                self.driver_of(active).undeploy(app, keep_images=True)
            except Exception as e:
                LOG.warning('Removing app %s from driver %s failed: %s',
                            app.uuid, release_driver(active), e)
        if self._wait_for_status(wf.uuid, stage):
            self.conductor.report_state(
                context, wf.uuid, stage, states.DEPLOYMENT_COMPLETE,
                result={'app_url': url, 'release': release.number})

    def _fail(self, context, wf, stage, log, reason, state=None):
        log.write(reason)
        if self._wait_for_status(wf.uuid, stage):
            self.conductor.report_state(
                context, wf.uuid, stage,
                state or states.ERROR_CODE_DEPLOYMENT, reason=reason)

    @staticmethod
    def _wait_for_status(wf_uuid, status, timeout=10):
        """Reports are casts: let the previous one land before the next,
        so the guarded transitions apply in order. False when the
        workflow is gone (its app was deleted meanwhile): nothing to
        report to."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                current = db_api.get_workflow_by_uuid(wf_uuid).status
            except exception.NotFound:
                LOG.info('Workflow %s is gone (its app was deleted): not '
                         'reporting its end', wf_uuid)
                return False
            if current == status:
                return True
            time.sleep(0.01)
        return True

    def undeploy(self, context, app_uuid):
        self._wait_reconciled()
        try:
            app = db_api.get_app(None, app_uuid)
        except exception.NotFound:
            return True
        releases = db_api.list_releases(app.id)
        images = app_images(app, releases)
        names = {release_driver(r) for r in releases} | {
            chosen_driver(app)}
        for name in sorted(names):
            self.driver_named(name).undeploy(app, images)
        LOG.info('Undeployed app %s', app_uuid)
        return True

    def scale(self, context, app_uuid):
        """Run as many replicas as the app's active release asks for."""
        self._wait_reconciled()
        app = db_api.get_app(None, app_uuid)
        release = db_api.active_release(app.id)
        if release is None:
            return
        log = userlog.StageLog(app.uuid, app.project_id, 'deployer')
        try:
            self.driver_of(release).scale(
                driver_mod.Target(app, release),
                current=self._current_for(release_driver(release)))
            log.write('scaled to %d replica(s)' % release.replicas)
        except Exception as e:
            reason = e.describe() if isinstance(
                e, driver_mod.DeployError) else str(e)
            LOG.warning('Scaling app %s failed: %s', app_uuid, reason)
            log.write('scaling to %d replica(s) failed: %s' %
                      (release.replicas, reason))

    def app_logs(self, context, app_uuid, since=None, tail=None):
        app = db_api.get_app(None, app_uuid)
        return self._active_driver(app).logs(app, since=since, tail=tail)

    def app_status(self, context, app_uuid):
        app = db_api.get_app(None, app_uuid)
        return self._active_driver(app).status(app)

    def _active_driver(self, app):
        release = db_api.active_release(app.id)
        if release is None:
            return self.driver_named(chosen_driver(app))
        return self.driver_of(release)
