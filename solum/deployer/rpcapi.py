"""Client side of the deployer RPC API.

API version history:

* 1.0 - deploy, undeploy
* 1.1 - scale, app_logs, app_status
* 1.2 - scale takes the replicas and the request's serial number: the
  deployer alone writes an app's replica target, in request order
* 1.3 - prestart, discard_prestart: a replica of the release-to-be starts
  while the workflow's tests run
"""

from oslo_log import log as logging

from solum import conf
from solum.common import rpc
from solum.conductor import rpcapi as conductor_rpcapi
from solum.conf import heat as heat_conf

CONF = conf.CONF
LOG = logging.getLogger(__name__)
# What undeploy waits for besides Heat: the app's images, the other
# drivers, the RPC round trip.
UNDEPLOY_MARGIN = 300
# Without the heat driver an undeploy stops containers: minutes at most.
UNDEPLOY_TIMEOUT = 600


def undeploy_timeout():
    """Seconds to wait for undeploy's answer: as long as the deployer may
    take, or the conductor records ERROR_STACK_DELETE_FAILED while the
    stack is still being deleted. The heat driver runs one
    operation of an app at a time: before the stack's delete (one stack
    wait) it may wait for a deploy in flight (the delete of a stack that
    never served and a create, two stack waits, then the URL probe)."""
    drivers = {CONF.deployer.driver, *CONF.deployer.allowed_drivers}
    if 'heat' not in drivers:
        return UNDEPLOY_TIMEOUT
    return (3 * heat_conf.stack_wait(CONF) + CONF.heat.probe_timeout +
            UNDEPLOY_MARGIN)


class DeployerAPI(rpc.ClientAPI):
    TOPIC_OPTION = ('deployer', 'topic')
    SERVICE = 'deployer'
    RPC_API_VERSION = '1.3'

    def deploy(self, context, workflow_uuid):
        self.client.prepare(version='1.0').cast(
            context, 'deploy', workflow_uuid=workflow_uuid)

    def prestart(self, context, workflow_uuid, image):
        """The workflow's candidate ``image`` exists and its tests start:
        start the first replica of its release-to-be (a 1.2 deployer
        starts it after the tests)."""
        if self.can_send('1.3'):
            self.client.prepare(version='1.3').cast(
                context, 'prestart', workflow_uuid=workflow_uuid,
                image=image)

    def discard_prestart(self, context, workflow_uuid, wait=False):
        """The workflow will not deploy: remove its prestarted replica
        (with ``wait``, return once it is gone: its image can then be
        removed; a deployer that does not answer in time is logged)."""
        if not self.can_send('1.3'):
            return
        if not wait:
            self.client.prepare(version='1.3').cast(
                context, 'discard_prestart', workflow_uuid=workflow_uuid)
            return
        try:
            self.client.prepare(version='1.3', timeout=60).call(
                context, 'discard_prestart', workflow_uuid=workflow_uuid)
        except Exception as e:
            LOG.warning('Removing the replica started during the tests of '
                        'workflow %s failed: %s', workflow_uuid, e)

    def undeploy(self, context, app_uuid):
        """Stop everything running for an app; returns when it is gone."""
        return self.client.prepare(version='1.0',
                                   timeout=undeploy_timeout()).call(
            context, 'undeploy', app_uuid=app_uuid)

    def scale(self, context, app_uuid, replicas=None, serial=None):
        """Run ``replicas`` replicas of the app's active release (scale
        request number ``serial``, db.request_scale), or, without them,
        as many as its release asks for."""
        if self.can_send('1.2'):
            self.client.prepare(version='1.2').cast(
                context, 'scale', app_uuid=app_uuid, replicas=replicas,
                serial=serial)
        elif replicas is not None:
            # A 1.1 deployer reads the replicas from the release, which
            # the conductor writes for it.
            conductor_rpcapi.ConductorAPI().scale_app(context, app_uuid,
                                                      replicas)
        else:
            self.client.prepare(version='1.1').cast(
                context, 'scale', app_uuid=app_uuid)

    def app_logs(self, context, app_uuid, since=None, tail=None):
        return self.client.prepare(version='1.1', timeout=60).call(
            context, 'app_logs', app_uuid=app_uuid, since=since, tail=tail)

    def app_status(self, context, app_uuid):
        return self.client.prepare(version='1.1', timeout=60).call(
            context, 'app_status', app_uuid=app_uuid)
