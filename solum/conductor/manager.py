"""The conductor: owns workflow state, hands stages to the workers."""

import datetime
import threading

import oslo_messaging as messaging
from oslo_log import log as logging
from oslo_utils import timeutils

from solum import conf
from solum.builder import rpcapi as builder_rpcapi
from solum.common import context as solum_context
from solum.common import exception
from solum.common import git_repos
from solum.common import keystone
from solum.common import locks
from solum.common import states
from solum.common import userlog
from solum.db import api as db_api
from solum.deployer import rpcapi as deployer_rpcapi

CONF = conf.CONF
LOG = logging.getLogger(__name__)

MAX_STAGE_ATTEMPTS = 3


class ConductorManager:
    """RPC endpoint of the conductor; see rpcapi for the version
    history."""

    target = messaging.Target(version='1.2')

    def __init__(self):
        self.builder = builder_rpcapi.BuilderAPI()
        self.deployer = deployer_rpcapi.DeployerAPI()
        self._stop = threading.Event()
        self._periodic = None

    # ------------------------------------------------------- lifecycle

    def start(self):
        if CONF.conductor.recover_on_start:
            self.recover()
        self._periodic = threading.Thread(target=self._periodic_loop,
                                          name='conductor-periodic',
                                          daemon=True)
        self._periodic.start()

    def stop(self):
        self._stop.set()

    def _periodic_loop(self):
        while not self._stop.wait(CONF.conductor.periodic_interval):
            try:
                self.fail_stuck_workflows()
            except Exception:
                LOG.exception('Checking for stuck workflows failed')

    def recover(self):
        """Pick up what the previous conductor left in flight."""
        context = solum_context.get_admin_context()
        for wf in db_api.list_workflows_in(None, [states.QUEUED]):
            LOG.info('Resuming queued workflow %s', wf.uuid)
            self.start_workflow(context, wf.uuid)
        for wf in db_api.list_workflows_in(None, states.ACTIVE_STATES):
            self._redispatch(context, wf)
        for wf in self._between_stages():
            self._move_on(context, wf, 'conductor restarted')
        for app in db_api.list_apps(context, all_projects=True):
            if app.status == states.DELETING:
                LOG.info('Resuming deletion of app %s', app.uuid)
                self.delete_app(context, app.uuid)

    def _redispatch(self, context, wf):
        attempts = int(wf.result.get('attempts', 1)) + 1
        if attempts > MAX_STAGE_ATTEMPTS:
            self._move(wf, wf.status, states.ERROR,
                       reason='interrupted %d times during %s by a conductor '
                       'restart; start a new workflow' %
                       (attempts - 1, wf.status))
            return
        LOG.info('Resuming workflow %s in %s (attempt %d)', wf.uuid,
                 wf.status, attempts)
        db_api.update_workflow_result(None, wf.uuid, {'attempts': attempts})
        self._log(wf, 'conductor restarted: resuming %s (attempt %d)' %
                  (wf.status, attempts))
        self._dispatch(context, wf, wf.status)

    @staticmethod
    def _between_stages():
        """Workflows a stage's success left with a next stage to run."""
        return [wf for wf in db_api.list_workflows_in(None,
                                                      states.BETWEEN_STAGES)
                if states.next_state(wf.status, wf.actions) is not None]

    def _move_on(self, context, wf, why):
        """Start the next stage of a workflow left between two stages."""
        following = states.next_state(wf.status, wf.actions)
        LOG.info('Workflow %s rests in %s (%s): moving on to %s', wf.uuid,
                 wf.status, why, following)
        self._log(wf, '%s: moving on from %s to %s' % (why, wf.status,
                                                       following))
        self._advance(context, wf, wf.status, following)

    def fail_stuck_workflows(self):
        now = timeutils.utcnow()
        # A start message lost on the way (broker restart) must not leave
        # a workflow QUEUED forever: starting is idempotent, so start it.
        waited = datetime.timedelta(seconds=CONF.conductor.queued_timeout)
        for wf in db_api.list_workflows_in(None, [states.QUEUED]):
            if now - wf.updated_at > waited:
                LOG.info('Starting workflow %s, queued since %s', wf.uuid,
                         wf.updated_at)
                self.start_workflow(solum_context.get_admin_context(),
                                    wf.uuid)
        # report_state moves a successful stage on at once: a workflow
        # still between stages after queued_timeout lost that second move.
        for wf in self._between_stages():
            if now - wf.updated_at > waited:
                self._move_on(solum_context.get_admin_context(), wf,
                              '%s for more than %d s' % (
                                  wf.status, CONF.conductor.queued_timeout))
        limit = datetime.timedelta(seconds=CONF.conductor.stage_timeout)
        for wf in db_api.list_workflows_in(None, states.ACTIVE_STATES):
            if now - wf.updated_at > limit:
                self._move(wf, wf.status, states.ERROR,
                           reason='%s timed out after %d s' %
                           (wf.status, CONF.conductor.stage_timeout))

    # ----------------------------------------------------- RPC methods

    def start_workflow(self, context, workflow_uuid):
        wf = db_api.get_workflow_by_uuid(None, workflow_uuid)
        target = states.first_state(wf.actions)
        # The guarded transition makes a duplicate start (redelivery, or
        # recovery racing the original message) a no-op.
        if not self._move(wf, states.QUEUED, target):
            LOG.debug('Workflow %s already started', workflow_uuid)
            return
        self._dispatch(context, wf, target)

    def report_outcome(self, context, workflow_uuid, action, outcome,
                       reason=None, result=None):
        """A worker's outcome of stage ``action``: the conductor makes
        the moves it means (states.moves) and starts the next stage."""
        try:
            moves = states.moves(action, outcome)
        except ValueError as e:
            LOG.warning('Ignored a report on workflow %s: %s',
                        workflow_uuid, e)
            return
        try:
            wf = db_api.get_workflow_by_uuid(context, workflow_uuid)
        except exception.NotFound:
            LOG.info('Workflow %s is gone: ignoring %r', workflow_uuid,
                     outcome)
            return
        final = moves[-1][1]
        current, moved = wf.status, None
        for expected, target in moves:
            if current != expected:
                continue
            extra = {'reason': reason, 'result': result} \
                if target == final else {}
            if self._move(wf, expected, target, **extra):
                current = moved = target
            else:
                # Moved meanwhile (an earlier report, handled beside this
                # one, may have made the first move): go on from there.
                current = db_api.get_workflow_by_uuid(context,
                                                      wf.uuid).status
        if moved is None:
            LOG.info('Workflow %s is %s: %r of its %s stage moves nothing',
                     wf.uuid, wf.status, outcome, action)
            return
        self._after_move(context, wf, moved, result)

    def report_state(self, context, workflow_uuid, expected, target,
                     reason=None, result=None):
        """The 1.0 report: a worker of an earlier release names the move
        itself (report_outcome replaces it)."""
        wf = db_api.get_workflow_by_uuid(context, workflow_uuid)
        if self._move(wf, expected, target, reason=reason, result=result):
            self._after_move(context, wf, target, result)

    def _after_move(self, context, wf, status, result):
        following = states.next_state(status, wf.actions)
        if following is not None:
            self._advance(context, wf, status, following)

    def delete_app(self, context, app_uuid):
        # Two conductors (a redelivery, recovery racing the message) never
        # delete one app at once.
        with locks.app_lock(app_uuid, scope='conductor'):
            self._delete_app(context, app_uuid)

    def _delete_app(self, context, app_uuid):
        admin = solum_context.get_admin_context()
        try:
            app = db_api.get_app(admin, app_uuid)
        except exception.NotFound:
            return
        for wf in db_api.list_workflows(admin, app):
            if not states.is_finished(wf.status, wf.actions):
                self._move(wf, wf.status, states.ERROR,
                           reason='the app is being deleted')
        try:
            self.deployer.undeploy(context, app.uuid)
            self.builder.delete_app_images(context, app.uuid)
            if app.trust_id:
                keystone.delete_trust(app.trust_id)
        except Exception as e:
            LOG.error('Deleting app %s failed: %s', app.uuid, e)
            db_api.set_app_status(None, app.id,
                                  states.ERROR_STACK_DELETE_FAILED)
            return
        db_api.destroy_app(None, app.id)
        # The app's git remote (on this host's state path, as the API's
        # and builder's: solum.common.git_repos).
        git_repos.remove(app.uuid)
        LOG.info('App %s deleted', app.uuid)

    def build_language_pack(self, context, lp_uuid):
        self.builder.build_language_pack(context, lp_uuid)

    # The 1.1 methods below serve APIs of the previous release during a
    # rolling upgrade (this release's API starts rollbacks as workflows
    # and asks the deployer for the rest); removed in 2.0.

    def rollback_app(self, context, workflow_uuid):
        self.start_workflow(context, workflow_uuid)

    def scale_app(self, context, app_uuid, replicas):
        self.deployer.scale(context, app_uuid, replicas=replicas)

    def app_logs(self, context, app_uuid, since=None, tail=None):
        return self.deployer.app_logs(context, app_uuid, since=since,
                                      tail=tail)

    def app_status(self, context, app_uuid):
        return self.deployer.app_status(context, app_uuid)

    # -------------------------------------------------------- helpers

    def _advance(self, context, wf, current, following):
        """Move a workflow on to its next stage and hand that stage out;
        the guarded move makes a second caller (recovery racing a report)
        a no-op."""
        if wf.app.status == states.DELETING:
            # Nothing more is built or deployed for an app going away.
            self._move(wf, current, states.ERROR,
                       reason='the app is being deleted')
            return
        if self._move(wf, current, following):
            self._dispatch(context, wf, following)

    def _dispatch(self, context, wf, status):
        if status == states.UNIT_TESTING:
            self.builder.unit_test(context, wf.uuid)
        elif status == states.BUILDING:
            self.builder.build(context, wf.uuid)
        elif status in (states.DEPLOYING, states.STARTING_APP):
            self.deployer.deploy(context, wf.uuid)

    def _move(self, wf, expected, target, reason=None, result=None):
        if not states.is_allowed(expected, target):
            LOG.warning('Refused illegal transition of workflow %s: %s -> '
                        '%s', wf.uuid, expected, target)
            return False
        line = '%s -> %s%s' % (expected, target,
                               ': %s' % reason if reason else '')
        # A deploy's app_url is the app's in the move's own transaction:
        # whoever sees the workflow finished also sees where it serves.
        if not db_api.transition_workflow(
                None, wf.uuid, expected, target, reason=reason,
                result=result, log_message=line,
                app_url=(result or {}).get('app_url')):
            LOG.info('Workflow %s was no longer %s; not moving it to %s',
                     wf.uuid, expected, target)
            return False
        return True

    @staticmethod
    def _log(wf, line):
        userlog.StageLog(wf.uuid, wf.project_id, 'conductor').write(line)
