"""The builder worker's RPC endpoint.

Runs a workflow's stage (solum.builder.stages) once at a time per
workflow, reports its outcome to the conductor, and removes what a stage
made when the workflow's app was deleted while it ran. Also builds custom
language packs (solum.builder.languagepack_build) and removes a deleted
app's images.
"""

import oslo_messaging as messaging
from oslo_log import log as logging

from solum import conf
from solum.builder import image_stores
from solum.builder import languagepack_build
from solum.builder import stages
from solum.common import context as solum_context
from solum.common import exception
from solum.common import in_flight
from solum.common import states
from solum.conductor import rpcapi as conductor_rpcapi
from solum.db import api as db_api
from solum.deployer import rpcapi as deployer_rpcapi

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class BuilderManager:
    target = messaging.Target(version='1.0')

    def __init__(self):
        self.conductor = conductor_rpcapi.ConductorAPI()
        self.deployer = deployer_rpcapi.DeployerAPI()
        self._in_flight = in_flight.InFlight()

    # ------------------------------------------------------------ helpers

    def _report(self, context, wf, action, outcome, log, reason=None,
                result=None):
        try:
            db_api.get_workflow_by_uuid(context, wf.uuid)
        except exception.NotFound:
            # Deleted with its app: nobody reads the report or the log.
            LOG.info('Workflow %s is gone: not reporting %r', wf.uuid,
                     outcome)
            return
        if reason:
            log('%s: %s' % ('ERROR' if outcome == states.FAILED else outcome,
                            reason))
        self.conductor.report_outcome(context, wf.uuid, action, outcome,
                                      reason=reason, result=result)

    @staticmethod
    def _app_gone(wf):
        """True when the workflow's app was deleted, or is being deleted:
        its deletion may have removed its images before this stage made
        one, so what the stage made would outlive the app."""
        try:
            app = db_api.get_app_by_id(None, wf.app_id)
        except exception.NotFound:
            return True
        return app.status == states.DELETING

    def _discard_images(self, wf, stage):
        """Remove every image of the workflow's (deleted) app, as the
        app's deletion does; return the workflow's reason."""
        why = 'the app was deleted during the %s stage' % stage
        try:
            self._remove_app_images(None, wf.app)
        except Exception as e:
            LOG.warning('Removing the images of deleted app %s failed: %s',
                        wf.app.uuid, e)
            return '%s; removing its images failed: %s' % (
                why, (str(e).splitlines() or [type(e).__name__])[0])
        return '%s; the images built for it were removed' % why

    def _run_stage(self, context, workflow_uuid, stage, body):
        """Run ``body(wf, log)`` for a workflow in ``stage`` (an action:
        states.UNITTEST or BUILD) and report its outcome; return it (None
        when the stage did not run)."""
        if not self._in_flight.claim(workflow_uuid):
            return None
        try:
            wf = db_api.get_workflow_by_uuid(context, workflow_uuid)
            if wf.status not in states.STAGE_STATES[stage]:
                LOG.info('Workflow %s is %s, not in its %s stage: nothing '
                         'to do', wf.uuid, wf.status, stage)
                return None
            log = stages.stage_logger(wf.uuid, wf.project_id, stage)
            try:
                outcome, reason, result = body(wf, log)
            except stages.StageFailed as e:
                outcome, reason, result = states.FAILED, str(e), None
            except Exception as e:
                LOG.exception('%s of workflow %s failed', stage, wf.uuid)
                outcome, reason, result = (
                    states.FAILED, 'internal error in the builder: %s' %
                    (str(e).splitlines() or [type(e).__name__])[0], None)
            # Checked after the image is stored: a deletion from now on
            # finds it and removes it itself.
            if self._app_gone(wf):
                LOG.info('App %s was deleted during the %s stage of '
                         'workflow %s: removing its images', wf.app.uuid,
                         stage, wf.uuid)
                outcome, reason, result = (
                    states.FAILED, self._discard_images(wf, stage), None)
            self._report(context, wf, stage, outcome, log, reason=reason,
                         result=result)
            return outcome
        finally:
            self._in_flight.release(workflow_uuid)

    # ----------------------------------------------------- RPC methods

    def unit_test(self, context, workflow_uuid):
        prestarted = []

        def on_candidate(wf, built):
            # Its replica can start beside the tests (the deployer's
            # prestart); the deploy adopts it once they pass.
            if states.DEPLOY in (wf.actions or []):
                self.deployer.prestart(context, wf.uuid, built.ref)
                prestarted.append(wf.uuid)

        def on_failure():
            # Its replica goes before the candidate image it runs.
            if prestarted:
                prestarted.clear()
                self.deployer.discard_prestart(context, workflow_uuid,
                                               wait=True)

        outcome = self._run_stage(
            context, workflow_uuid, states.UNITTEST,
            lambda wf, log: stages.unit_test(wf, log,
                                             on_candidate=on_candidate,
                                             on_failure=on_failure))
        if prestarted and outcome != states.TESTS_PASSED:
            self.deployer.discard_prestart(context, workflow_uuid)

    def build(self, context, workflow_uuid):
        outcome = self._run_stage(context, workflow_uuid, states.BUILD,
                                  stages.build)
        if outcome not in (None, states.IMAGE_BUILT):
            # A replica started during the tests will not be deployed.
            self.deployer.discard_prestart(context, workflow_uuid)

    def build_language_pack(self, context, lp_uuid):
        if not self._in_flight.claim(lp_uuid):
            return
        try:
            languagepack_build.build(lp_uuid)
        finally:
            self._in_flight.release(lp_uuid)

    def delete_app_images(self, context, app_uuid):
        """Remove an app's images from the image store and the local
        container storage (candidates, earlier builds)."""
        try:
            app = db_api.get_app(solum_context.get_admin_context(), app_uuid)
        except exception.NotFound:
            app = _AppRef(app_uuid)

        removed = self._remove_app_images(context, app)
        LOG.info('Removed %d image(s) of app %s', len(removed), app_uuid)
        return True

    @staticmethod
    def _remove_app_images(context, app):
        def log(line):
            LOG.info('%s', line)
        removed = []
        if CONF.builder.image_store != 'local':
            removed += image_stores.get_store().delete_app_images(
                context, app, log) or []
        removed += image_stores.get_store('local').delete_app_images(
            context, app, log) or []
        return removed


class _AppRef:
    """What a store needs of an app whose record is already gone."""

    def __init__(self, uuid):
        self.uuid = uuid
        self.name = None
        self.project_id = None
        self.trust_id = None
