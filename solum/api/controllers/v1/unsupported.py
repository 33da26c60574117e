"""Upstream v1 resources this deployment does not offer: every request to
them (after authentication) is a 501 with the reason, rather than a 404
or a stub that stores what nothing uses."""

import pecan

from solum.common import exception

REASONS = {
    'assemblies': (
        'Assemblies',
        'an assembly (an instance of a plan) would need plans to be '
        'deployed, which they are not yet; plans are stored only. Create '
        'an app with POST /v1/apps and deploy it with POST '
        '/v1/apps/{app}/workflows'),
    'components': (
        'Components',
        'components are the parts of an assembly, and assemblies are not '
        'supported; an app and its releases and replicas '
        '(/v1/apps/{app}/releases, /v1/apps/{app}/replicas) stand for them'),
    'services': (
        'Services',
        'no attached services (databases, queues, ...) are offered yet'),
}


class UnsupportedController:
    """Answers every method on the resource and below it."""

    def __init__(self, resource):
        self.resource = resource

    def _refuse(self):
        name, reason = REASONS[self.resource]
        raise exception.NotSupported(resource=name, reason=reason)

    @pecan.expose('json')
    def index(self, *args, **kwargs):
        self._refuse()

    @pecan.expose('json')
    def _default(self, *remainder, **kwargs):
        self._refuse()
