"""Client side of the conductor RPC API.

API version history:

* 1.0 - start_workflow, report_state, delete_app, build_language_pack
* 1.1 - rollback_app, scale_app, app_logs, app_status
* 1.2 - report_outcome: workers report what their stage gave, and the
  conductor chooses the workflow's next state. The API starts rollbacks
  with start_workflow and asks the deployer itself for scaling, logs and
  replicas; rollback_app, scale_app, app_logs, app_status and
  report_state stay for clients capped at 1.1 until 2.0.
"""

from solum import conf
from solum.common import rpc
from solum.common import states

CONF = conf.CONF


class ConductorAPI(rpc.ClientAPI):
    TOPIC_OPTION = ('conductor', 'topic')
    SERVICE = 'conductor'
    RPC_API_VERSION = '1.2'

    def start_workflow(self, context, workflow_uuid):
        cctxt = self.client.prepare(version='1.0')
        cctxt.cast(context, 'start_workflow', workflow_uuid=workflow_uuid)

    def report_outcome(self, context, workflow_uuid, action, outcome,
                       reason=None, result=None):
        """A worker tells the conductor what stage ``action`` of a
        workflow gave (states.TESTS_PASSED, states.SERVING, ...)."""
        if self.can_send('1.2'):
            self.client.prepare(version='1.2').cast(
                context, 'report_outcome', workflow_uuid=workflow_uuid,
                action=action, outcome=outcome, reason=reason,
                result=result)
            return
        # A 1.1 conductor takes the moves themselves. Each is guarded
        # (the one that does not fit the workflow's state moves nothing);
        # calls, not casts, so that they apply in order.
        moves = states.moves(action, outcome)
        final = moves[-1][1]
        cctxt = self.client.prepare(version='1.0')
        for expected, target in moves:
            extra = {'reason': reason, 'result': result} \
                if target == final else {}
            cctxt.call(context, 'report_state', workflow_uuid=workflow_uuid,
                       expected=expected, target=target, **extra)

    def delete_app(self, context, app_uuid):
        cctxt = self.client.prepare(version='1.0')
        cctxt.cast(context, 'delete_app', app_uuid=app_uuid)

    def build_language_pack(self, context, lp_uuid):
        cctxt = self.client.prepare(version='1.0')
        cctxt.cast(context, 'build_language_pack', lp_uuid=lp_uuid)

    def scale_app(self, context, app_uuid, replicas):
        """The 1.1 way to scale (a 1.1 deployer, which cannot take the
        replicas itself): the conductor records them and asks it."""
        cctxt = self.client.prepare(version='1.1')
        cctxt.cast(context, 'scale_app', app_uuid=app_uuid,
                   replicas=replicas)
