"""The deployer driver interface and how a driver is chosen.

A driver runs the replicas of an app's release and gives the app one
stable URL. Drivers are loaded by name from the ``solum.deployers`` entry
points (``[deployer] driver``)."""

import abc

from stevedore import driver as stevedore_driver

from solum import conf

CONF = conf.CONF
NAMESPACE = 'solum.deployers'


class DeployError(Exception):
    """A deploy or scale failed; ``log_lines`` are the failing replica's
    last log lines. ``state`` is the workflow's error state (None: the
    manager's default, ERROR_CODE_DEPLOYMENT)."""

    state = None

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

    state = 'ERROR_STACK_CREATE_FAILED'


class StackTimeout(StackCreateFailed):
    """The app's stack did not finish within its deadline."""


class Target:
    """What a driver needs to know of one app and its active release."""

    def __init__(self, app, release, replicas=None):
        self.app = app
        self.release = release
        self.replicas = replicas if replicas is not None else \
            release.replicas


class Driver(abc.ABC):

    def start(self, targets):  # noqa: B027 (optional hook)
        """Called once when the deployer starts, with what should run:
        make what runs match (reconcile)."""

    def stop(self):  # noqa: B027 (optional hook)
        """Called when the deployer stops; apps keep running."""

    @abc.abstractmethod
    def app_url(self, app):
        """The stable URL of an app."""

    @abc.abstractmethod
    def deploy(self, target, on_serving=None):
        """Run ``target.replicas`` replicas of ``target.release``; once they
        are healthy, move traffic to them and stop the app's other
        replicas. Raises DeployError, leaving what ran before serving.

        ``on_serving()`` is called once traffic reaches the new release,
        with the app's lock still held: the caller records the release
        as active there, so that no periodic heal ever sees the new
        replicas beside an older active release (and replaces them)."""

    @abc.abstractmethod
    def scale(self, target, current=None):
        """Run exactly ``target.replicas`` replicas of the active
        release. ``current(app_uuid)``, when given, re-reads the target
        once the app's lock is held: a deploy may have finished in
        between (None: nothing should run)."""

    @abc.abstractmethod
    def undeploy(self, app, images=(), keep_images=False):
        """Remove everything of an app: replicas, routes, images, logs.
        ``keep_images``: the app only leaves this driver (it moved to
        another one); its images stay, for a rollback to come back."""

    @abc.abstractmethod
    def logs(self, app, since=None, tail=None):
        """Log lines of the app's replicas, oldest first: dicts with
        replica, time (RFC 3339) and line."""

    def heal(self, targets, current=None):  # noqa: B027 (optional hook)
        """Periodic: replace crashed replicas, remove what should not run.
        ``current(app_uuid)`` re-reads one app's target (or None)."""

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
