"""Client side of the deployer RPC API.

API version history:

* 1.0 - deploy, undeploy
* 1.1 - scale, app_logs, app_status
"""

from solum import conf
from solum.common import rpc

CONF = conf.CONF


class DeployerAPI(rpc.ClientAPI):
    TOPIC_OPTION = ('deployer', 'topic')
    RPC_API_VERSION = '1.1'

    def deploy(self, context, workflow_uuid):
        self.client.prepare(version='1.0').cast(
            context, 'deploy', workflow_uuid=workflow_uuid)

    def undeploy(self, context, app_uuid):
        """Stop everything running for an app; returns when it is gone."""
        return self.client.prepare(version='1.0', timeout=600).call(
            context, 'undeploy', app_uuid=app_uuid)

    def scale(self, context, app_uuid):
        """Make the replicas match the active release's replica count."""
        self.client.prepare(version='1.1').cast(
            context, 'scale', app_uuid=app_uuid)

    def app_logs(self, context, app_uuid, since=None, tail=None):
        return self.client.prepare(version='1.1', timeout=60).call(
            context, 'app_logs', app_uuid=app_uuid, since=since, tail=tail)

    def app_status(self, context, app_uuid):
        return self.client.prepare(version='1.1', timeout=60).call(
            context, 'app_status', app_uuid=app_uuid)
