"""The deployer driver interface and how a driver is chosen.

A driver runs the replicas of an app's release and gives the app one
stable URL. Drivers are loaded by name from the ``solum.deployers`` entry
points (``[deployer] driver``)."""

import abc
import threading

from stevedore import driver as stevedore_driver

from solum import conf
from solum.common import states

CONF = conf.CONF
NAMESPACE = 'solum.deployers'


class DeployError(Exception):
    """A deploy or scale failed; ``log_lines`` are the failing replica's
    last log lines. ``outcome`` is what the deploy stage reports: the
    app's replicas never became healthy."""

    outcome = states.APP_FAILED

    def __init__(self, reason, log_lines=()):
        super().__init__(reason)
        self.reason = reason
        self.log_lines = list(log_lines)

    def describe(self):
        if not self.log_lines:
            return self.reason
        return '%s; last log lines:\n%s' % (self.reason,
                                            '\n'.join(self.log_lines))


class StackCreateFailed(DeployError):
    """The cloud refused or failed the app's stack (Heat's reason)."""

    outcome = states.STACK_FAILED


class StackTimeout(StackCreateFailed):
    """The app's stack did not finish within its deadline."""


class ReleaseCommandUnsupported(DeployError):
    """The driver cannot run an app's release_cmd."""

    def __init__(self):
        super().__init__('release_cmd is not supported by this driver')


class ReleaseCommandTimeout(DeployError):
    """The release_cmd ran longer than [deployer] release_cmd_timeout (its
    container was removed)."""

    def __init__(self, seconds):
        super().__init__('timed out after %d s' % seconds)
        self.seconds = seconds


class Target:
    """What a driver needs to know of one app and its active release."""

    def __init__(self, app, release, replicas=None, prestarted=None):
        self.app = app
        self.release = release
        self.replicas = replicas if replicas is not None else \
            release.replicas
        # deployments.PendingRelease of this release whose first replica
        # the driver started during the workflow's tests (deploy only).
        self.prestarted = prestarted


class Driver(abc.ABC):

    def start(self, targets):  # noqa: B027 (optional hook)
        """Called once when the deployer starts, with what should run:
        make what runs match (reconcile)."""

    def stop(self):  # noqa: B027 (optional hook)
        """Called when the deployer stops; apps keep running."""

    @abc.abstractmethod
    def deploy(self, target, on_serving=None):
        """Run ``target.replicas`` replicas of ``target.release``; once they
        are healthy, move traffic to them and stop the app's other
        replicas; return the app's URL. Raises DeployError, leaving what
        ran before serving.

        The caller holds the app's lock (common.locks) for every
        operation but heal. ``on_serving()`` is called once traffic
        reaches the new release: the caller records the release as active
        there, so that no periodic heal ever sees the new replicas beside
        an older active release (and replaces them)."""

    @abc.abstractmethod
    def scale(self, target):
        """Run exactly ``target.replicas`` replicas of the active
        release."""

    @abc.abstractmethod
    def undeploy(self, app):
        """Remove everything that runs of an app: replicas, routes, logs.
        Its images are the builder's to remove (they outlive a move of
        the app to another driver, for a rollback to come back)."""

    @abc.abstractmethod
    def logs(self, app, since=None, tail=None):
        """Log lines of the app's replicas, oldest first: dicts with
        replica, time (RFC 3339) and line."""

    def run_release_command(self, target, log):
        """Run ``target.release.config['release_cmd']`` once, in a
        throw-away container of the release's image with the environment
        its replicas get, before any of them starts (database migrations:
        traffic still reaches the earlier release). Each line it prints
        goes to ``log(line)`` as it comes; returns its exit status.

        Raises ReleaseCommandTimeout past [deployer] release_cmd_timeout,
        DeployError when it cannot run, and ReleaseCommandUnsupported
        (this default) on a driver that has no way to run it."""
        raise ReleaseCommandUnsupported()

    def prestart(self, app, workflow_uuid,  # noqa: B027 (optional hook)
                 pending, ttl):
        """Start the first replica of ``pending`` (deployments.
        PendingRelease: the release-to-be of a workflow whose tests are
        running), unrouted, so that its deploy only moves traffic; left
        alone by heals for ``ttl`` seconds. This default does nothing:
        the deploy starts every replica."""

    def claim_prestart(self, workflow_uuid):
        """The PendingRelease started for ``workflow_uuid`` (with its
        ``replica``), taken: the caller adopts it or discards it."""
        return None

    def discard_prestart(self, workflow_uuid,  # noqa: B027 (optional hook)
                         pending=None):
        """Remove the replica started for ``workflow_uuid`` (the claimed
        ``pending``, when given): the workflow will not deploy it."""

    def heal(self, targets, current=None):  # noqa: B027 (optional hook)
        """Periodic: replace crashed replicas, remove what should not run.
        It takes each app's lock itself, skipping an app whose lock is
        held (an operation is at work on it), and ``current(app_uuid)``
        re-reads the app's target once it holds it (None: nothing should
        run)."""

    def metrics(self, app):
        """Load of an app since the previous call: {'replicas', 'rps',
        'cpu'}; None values when unknown."""
        return {'replicas': None, 'rps': None, 'cpu': None}

    def status(self, app):
        """Replicas of an app as the driver sees them."""
        return []


def load(name=None):
    manager = stevedore_driver.DriverManager(
        NAMESPACE, name or CONF.deployer.driver, invoke_on_load=True)
    return manager.driver


# ------------------------------------------------------- which driver

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


class Drivers:
    """The drivers a deployer has loaded, by name: the default ([deployer]
    driver, or one given) and those its apps' releases asked for."""

    def __init__(self, default=None):
        self._default = default
        self._others = {}
        self._lock = threading.Lock()

    @property
    def default(self):
        if self._default is None:
            self._default = load()
        return self._default

    def named(self, name):
        if name == CONF.deployer.driver:
            return self.default
        with self._lock:
            if name not in self._others:
                self._others[name] = load(name)
            return self._others[name]

    def of(self, release):
        return self.named(release_driver(release))

    def loaded(self):
        """The drivers loaded so far."""
        # named() never keeps the default among the others.
        with self._lock:
            others = list(self._others.values())
        return ([self._default] if self._default is not None else []) + \
            others

    def grouped(self, targets):
        """{driver name: targets}; every loaded driver listed."""
        grouped = {CONF.deployer.driver: []}
        grouped.update({name: [] for name in self._others})
        for target in targets:
            grouped.setdefault(release_driver(target.release),
                               []).append(target)
        return grouped

    def stop(self):
        if self._default is not None:
            self._default.stop()
        for other in self._others.values():
            other.stop()
