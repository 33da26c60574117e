"""The OpenStack clients the Heat driver acts through, on one session."""

from heatclient import client as heat_client

from solum import conf

CONF = conf.CONF

NOVA_MICROVERSION = '2.37'   # networks: none


class Clients:
    """Heat, Nova and Glance clients on one keystoneauth1 session."""

    def __init__(self, session):
        self.session = session
        self._kwargs = {'interface': CONF.heat.interface}
        if CONF.heat.region_name:
            self._kwargs['region_name'] = CONF.heat.region_name
        self.heat = heat_client.Client('1', session=session, **self._kwargs)
        self._nova = None
        self._glance = None

    @property
    def nova(self):
        if self._nova is None:
            from novaclient import client as nova_client
            kwargs = dict(self._kwargs)
            kwargs['endpoint_type'] = kwargs.pop('interface')
            self._nova = nova_client.Client(NOVA_MICROVERSION,
                                            session=self.session, **kwargs)
        return self._nova

    @property
    def glance(self):
        if self._glance is None:
            from glanceclient import client as glance_client
            self._glance = glance_client.Client('2', session=self.session,
                                                **self._kwargs)
        return self._glance

    def image_endpoint(self):
        return self.session.get_endpoint(service_type='image',
                                         **self._kwargs).rstrip('/')
