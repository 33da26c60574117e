"""Client side of the builder RPC API.

API version history:

* 1.0 - unit_test, build, build_language_pack, delete_app_images
"""

from solum import conf
from solum.common import rpc

CONF = conf.CONF


class BuilderAPI(rpc.ClientAPI):
    TOPIC_OPTION = ('builder', 'topic')
    SERVICE = 'builder'
    RPC_API_VERSION = '1.0'

    def _cast(self, context, method, **kwargs):
        self.client.prepare(version='1.0').cast(context, method, **kwargs)

    def unit_test(self, context, workflow_uuid):
        self._cast(context, 'unit_test', workflow_uuid=workflow_uuid)

    def build(self, context, workflow_uuid):
        self._cast(context, 'build', workflow_uuid=workflow_uuid)

    def build_language_pack(self, context, lp_uuid):
        self._cast(context, 'build_language_pack', lp_uuid=lp_uuid)

    def delete_app_images(self, context, app_uuid):
        """Remove every image built for an app, from the image store and
        the local container storage; returns when they are gone."""
        return self.client.prepare(version='1.0', timeout=600).call(
            context, 'delete_app_images', app_uuid=app_uuid)
