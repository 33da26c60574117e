"""One deploy: a workflow's image becomes a release of its app.

A deploy creates the release (image + configuration snapshot), runs its
release_cmd (the release phase: migrations) when it has one, asks the
driver to run its replicas and move traffic to them, and reports the
stage's outcome to the conductor. The caller holds the app's lock.
"""

from oslo_log import log as logging
from oslo_utils import uuidutils

from solum import conf
from solum.common import exception
from solum.common import states
from solum.common import userlog
from solum.db import api as db_api
from solum.deployer import driver as driver_mod

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# Set in a workflow's result once its deploy ran (the release number, or
# 0 when none was made): a deploy is applied once, whichever deployer got
# its message, and the marker is there before the conductor hears of it.
DEPLOYED = 'deployed_release'


def _workflow_setting(app, wf, key):
    """``key`` of the workflow's config, else of the app's
    workflow_config."""
    return (wf.config or {}).get(key) or \
        (app.workflow_config or {}).get(key)


def config_snapshot(app, wf):
    """What of the app a release keeps: how its replicas run (and its
    release_cmd, when it has one)."""
    ports = list(app.ports or [])
    params = app.parameters or {}
    config = {
        'ports': ports,
        'port': ports[0] if ports else CONF.deployer.default_port,
        'env': dict(params.get('user_params') or {}),
        'run_cmd': _workflow_setting(app, wf, 'run_cmd'),
        'health': dict(params.get('health') or {}),
    }
    release_cmd = _workflow_setting(app, wf, 'release_cmd')
    if release_cmd:
        config['release_cmd'] = release_cmd
    # Where the builder stored the image in Glance (the heat driver boots
    # or fetches it from there).
    glance_id = (wf.result or {}).get('glance_id')
    if glance_id:
        config['glance_id'] = glance_id
    driver = driver_mod.chosen_driver(app)
    if driver != CONF.deployer.driver:
        config['driver'] = driver
    return config


def du_id_problem(app, image, driver):
    """Why ``image`` (a workflow's du_id) may not be deployed for ``app``,
    or None: it must be the image of one of the app's releases, or one
    the driver finds labelled with the app's project."""
    if image in {r.image for r in db_api.list_releases(None, app.id)}:
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


def pending(wf):
    """The deploys of ``wf``'s app to run now, oldest first: every one
    not yet applied up to ``wf`` itself, so that deploys apply in the
    order of their workflows even when another deployer received the
    earlier one's message (it finds it applied and does nothing)."""
    waiting = db_api.list_workflows_in(
        None, states.STAGE_STATES[states.DEPLOY], app_id=wf.app_id)
    return [w for w in waiting if w.wf_id <= wf.wf_id and
            DEPLOYED not in (w.result or {})]


class PendingRelease:
    """The release a workflow whose tests run will make, fixed now so
    that a replica of it can start beside the tests (the driver's
    prestart): the release's uuid, number, image and configuration."""

    def __init__(self, uuid, number, image, config):
        self.uuid = uuid
        self.number = number
        self.image = image
        self.config = config
        # Set by the driver that started it.
        self.replica = None

    def matches(self, release):
        """Whether ``release`` is what this was started as."""
        return (release.uuid == self.uuid and
                release.number == self.number and
                release.image == self.image and
                (release.config or {}) == self.config)


def pending_release(app, wf, image):
    """The PendingRelease of ``wf`` deploying ``image``, or None when its
    replicas must not start before the deploy: its release phase
    (release_cmd) runs first."""
    config = config_snapshot(app, wf)
    if config.get('release_cmd'):
        return None
    return PendingRelease(uuidutils.generate_uuid(),
                          db_api.next_release_number(None, app), image,
                          config)


class ReleaseOutput:
    """Where a release_cmd's output goes: the deploy log, line by line as
    it comes; the last line is kept for the reason of a failure."""

    def __init__(self, log):
        self.log = log
        self.last = ''

    def __call__(self, line):
        self.log.write('release_cmd: %s' % line)
        if line.strip():
            self.last = line.strip()

    def reason(self, how):
        """The one-line reason of a failed release_cmd."""
        reason = 'release_cmd failed (%s)' % how
        return '%s: %s' % (reason, self.last) if self.last else reason


class Deployment:
    """The deploy of one workflow (``run``), reporting to ``conductor``."""

    def __init__(self, drivers, conductor, context, wf):
        self.drivers = drivers
        self.conductor = conductor
        self.context = context
        self.wf = wf
        self.log = userlog.StageLog(wf.uuid, wf.project_id, 'deployer')
        self.gone = False

    def run(self):
        wf, app = self.wf, self.wf.app
        image = wf.du_id or (wf.result or {}).get('image')
        if not image:
            return self._fail('nothing to deploy: the workflow names no '
                              'image (du_id) and no build produced one')
        if app.status == states.DELETING:
            return self._fail('the app is being deleted')
        rollback_to = (wf.result or {}).get('rollback_to')
        if rollback_to:
            config = db_api.get_release(None, app.id,
                                        int(rollback_to)).config
        else:
            config = config_snapshot(app, wf)
        if wf.du_id:
            problem = du_id_problem(app, image, self.drivers.named(
                driver_mod.config_driver(config)))
            if problem:
                return self._fail(problem)
        active = db_api.active_release(None, app.id)
        replicas = wf.scale_target or (active.replicas if active else 1)
        driver = self.drivers.named(driver_mod.config_driver(config))
        pending = None if rollback_to or wf.du_id else \
            driver.claim_prestart(wf.uuid)
        release = db_api.create_release(None, app, {
            'image': image, 'config': config, 'workflow_id': wf.id,
            'rollback_of': int(rollback_to) if rollback_to else None,
            'replicas': replicas},
            uuid=pending and pending.uuid, number=pending and pending.number)
        self.log.write('release %d: deploying %s with %d replica(s)%s' % (
            release.number, image, replicas,
            ' (rollback to release %s)' % rollback_to if rollback_to
            else ''))
        pending = self._adopt(driver, release, pending)
        self._report(states.STARTING)
        try:
            # Not on a rollback: its image ran its release phase already
            # (and a migration is not undone by running it again).
            if config.get('release_cmd') and not rollback_to:
                self._release_phase(release, replicas)
            url = driver.deploy(
                driver_mod.Target(app, release, replicas,
                                  prestarted=pending),
                on_serving=lambda: db_api.activate_release(None,
                                                           release.id))
        except Exception as e:
            return self._release_failed(release, e)
        self.log.write('release %d is serving at %s' % (release.number, url))
        if active is not None and driver_mod.release_driver(active) != \
                driver_mod.release_driver(release):
            self._leave_driver(active)
        self._done(release.number)
        self._report(states.SERVING,
                     result={'app_url': url, 'release': release.number})
        if pending is None and states.UNITTEST in (wf.actions or []):
            # One started by another deployer, if any: not left to time
            # out (after the report: off the path to serving).
            self._discard_prestart(driver)

    def _adopt(self, driver, release, pending):
        """``pending`` when its replica (started during the tests) is of
        ``release``; otherwise it is removed and None returned."""
        if pending is None:
            return None
        if pending.matches(release):
            self.log.write('release %d: replica %s started during the '
                           'tests' % (release.number, pending.replica.name))
            return pending
        LOG.info('Replica %s of workflow %s is not of release %d (a '
                 'release was made meanwhile or the app changed): '
                 'removing it', pending.replica.name, self.wf.uuid,
                 release.number)
        try:
            driver.discard_prestart(self.wf.uuid, pending)
        except Exception as e:
            LOG.warning('Removing replica %s failed: %s (a heal does)',
                        pending.replica.name, e)
        return None

    def _discard_prestart(self, driver):
        try:
            driver.discard_prestart(self.wf.uuid)
        except Exception as e:
            LOG.warning('Removing the replica started during the tests of '
                        'workflow %s failed: %s (a heal does)', self.wf.uuid,
                        e)

    def _release_phase(self, release, replicas):
        """Run the release's release_cmd before traffic moves to it;
        raise DeployError (the deploy stops there) when it fails."""
        self.log.write('release %d: running release_cmd' % release.number)
        output = ReleaseOutput(self.log)
        driver = self.drivers.of(release)
        try:
            status = driver.run_release_command(
                driver_mod.Target(self.wf.app, release, replicas), output)
        except driver_mod.ReleaseCommandUnsupported:
            raise driver_mod.DeployError(
                'release_cmd is not supported by the %s driver' %
                driver_mod.release_driver(release))
        except driver_mod.ReleaseCommandTimeout as e:
            raise driver_mod.DeployError(output.reason(e.reason))
        if status != 0:
            raise driver_mod.DeployError(output.reason('exit %s' % status))
        self.log.write('release %d: release_cmd succeeded' % release.number)

    def _release_failed(self, release, error):
        if isinstance(error, driver_mod.DeployError):
            reason, outcome = error.reason, error.outcome
            for line in error.log_lines:
                self.log.write('replica: %s' % line)
            described = error.describe()
        else:
            LOG.exception('Deploying workflow %s failed', self.wf.uuid)
            reason = described = str(error)
            outcome = states.APP_FAILED
        db_api.update_release(None, release.id,
                              status=states.RELEASE_FAILED, reason=reason)
        self._fail('release %d failed: %s' % (release.number, described),
                   outcome=outcome, release=release.number)

    def _leave_driver(self, active):
        """The app moved to another driver: stop it on the old one."""
        name = driver_mod.release_driver(active)
        self.log.write('stopping the app on the %s driver' % name)
        try:
            self.drivers.named(name).undeploy(self.wf.app)
        except Exception as e:
            LOG.warning('Removing app %s from driver %s failed: %s',
                        self.wf.app.uuid, name, e)

    def _done(self, release_number):
        try:
            db_api.update_workflow_result(None, self.wf.uuid,
                                          {DEPLOYED: release_number})
        except exception.NotFound:
            # Deleted with its app meanwhile: nobody reads its end.
            LOG.info('Workflow %s is gone (its app was deleted): not '
                     'reporting its end', self.wf.uuid)
            self.gone = True

    def _fail(self, reason, outcome=states.APP_FAILED, release=0):
        self.log.write(reason)
        self._done(release)
        self._report(outcome, reason=reason)

    def _report(self, outcome, reason=None, result=None):
        if self.gone:
            return
        self.conductor.report_outcome(self.context, self.wf.uuid,
                                      states.DEPLOY, outcome, reason=reason,
                                      result=result)
