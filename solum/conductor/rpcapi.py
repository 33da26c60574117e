"""Client side of the conductor RPC API.

API version history:

* 1.0 - start_workflow, report_state, delete_app, build_language_pack
* 1.1 - rollback_app, scale_app, app_logs, app_status
"""

from solum import conf
from solum.common import rpc

CONF = conf.CONF


class ConductorAPI(rpc.ClientAPI):
    TOPIC_OPTION = ('conductor', 'topic')
    RPC_API_VERSION = '1.1'

    def start_workflow(self, context, workflow_uuid):
        cctxt = self.client.prepare(version='1.0')
        cctxt.cast(context, 'start_workflow', workflow_uuid=workflow_uuid)

    def report_state(self, context, workflow_uuid, expected, target,
                     reason=None, result=None):
        """A worker tells the conductor a stage moved on."""
        cctxt = self.client.prepare(version='1.0')
        cctxt.cast(context, 'report_state', workflow_uuid=workflow_uuid,
                   expected=expected, target=target, reason=reason,
                   result=result)

    def delete_app(self, context, app_uuid):
        cctxt = self.client.prepare(version='1.0')
        cctxt.cast(context, 'delete_app', app_uuid=app_uuid)

    def build_language_pack(self, context, lp_uuid):
        cctxt = self.client.prepare(version='1.0')
        cctxt.cast(context, 'build_language_pack', lp_uuid=lp_uuid)

    def rollback_app(self, context, workflow_uuid):
        cctxt = self.client.prepare(version='1.1')
        cctxt.cast(context, 'rollback_app', workflow_uuid=workflow_uuid)

    def scale_app(self, context, app_uuid, replicas):
        cctxt = self.client.prepare(version='1.1')
        cctxt.cast(context, 'scale_app', app_uuid=app_uuid,
                   replicas=replicas)

    def app_logs(self, context, app_uuid, since=None, tail=None):
        """Log lines of the app's replicas (a call: the API waits)."""
        cctxt = self.client.prepare(version='1.1', timeout=60)
        return cctxt.call(context, 'app_logs', app_uuid=app_uuid,
                          since=since, tail=tail)

    def app_status(self, context, app_uuid):
        cctxt = self.client.prepare(version='1.1', timeout=60)
        return cctxt.call(context, 'app_status', app_uuid=app_uuid)
