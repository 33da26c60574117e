"""oslo.messaging plumbing shared by every service.

With ``rpc_transport = local`` (solum-all) the services share one
in-process bus (solum.common.local_bus: a message is taken as soon as it
is sent); otherwise they talk over ``transport_url`` (RabbitMQ).
"""

import oslo_messaging as messaging
from oslo_messaging.rpc import dispatcher

from solum import conf
from solum.common import context as solum_context
from solum.common import local_bus

CONF = conf.CONF
_TRANSPORT = None
_LOCAL_URL = 'fake:/'


class ContextSerializer(messaging.Serializer):
    """Carries the request context (never a token) across RPC."""

    def serialize_entity(self, ctxt, entity):
        return entity

    def deserialize_entity(self, ctxt, entity):
        return entity

    def serialize_context(self, ctxt):
        values = ctxt.to_dict()
        # A worker acts through trusts or its own credentials, never the
        # user's token: keep it out of the message.
        values.pop('auth_token', None)
        return values

    def deserialize_context(self, ctxt):
        return solum_context.RequestContext.from_dict(ctxt)


def get_transport():
    global _TRANSPORT
    if _TRANSPORT is None:
        if CONF.rpc_transport == 'local':
            _TRANSPORT = messaging.get_rpc_transport(
                CONF, url=_LOCAL_URL, transport_cls=local_bus.LocalTransport)
        else:
            _TRANSPORT = messaging.get_rpc_transport(CONF)
    return _TRANSPORT


def cleanup():
    global _TRANSPORT
    if _TRANSPORT is not None:
        _TRANSPORT.cleanup()
        _TRANSPORT = None


def get_client(topic, version, timeout=None, version_cap=None):
    target = messaging.Target(topic=topic, version=version)
    return messaging.get_rpc_client(get_transport(), target,
                                    serializer=ContextSerializer(),
                                    timeout=timeout, version_cap=version_cap)


def get_server(topic, endpoints):
    target = messaging.Target(topic=topic, server=CONF.host)
    return messaging.get_rpc_server(
        get_transport(), target, endpoints, executor='threading',
        serializer=ContextSerializer(),
        access_policy=dispatcher.DefaultRPCAccessPolicy)


class ClientAPI:
    """Base of the rpcapi classes: the RPC client is made on first use,
    after configuration is loaded, and again if the transport changed.

    ``[upgrade_levels] <SERVICE>`` caps the version sent (a rolling
    upgrade: the servers may still run the previous release); methods ask
    ``can_send`` before using a newer message and fall back to what the
    capped version understands.
    """

    TOPIC_OPTION = None  # (group, option) naming the topic
    SERVICE = None       # its [upgrade_levels] option
    RPC_API_VERSION = '1.0'

    def __init__(self):
        self._client = None
        self._transport = None

    def version_cap(self):
        return getattr(CONF.upgrade_levels, self.SERVICE) or None

    @property
    def client(self):
        transport = get_transport()
        if self._client is None or self._transport is not transport:
            group, option = self.TOPIC_OPTION
            self._client = get_client(getattr(getattr(CONF, group), option),
                                      self.RPC_API_VERSION,
                                      version_cap=self.version_cap())
            self._transport = transport
        return self._client

    def can_send(self, version):
        return self.client.can_send_version(version)
