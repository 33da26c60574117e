import pecan

from solum.api.controllers.v1 import apps
from solum.api.controllers.v1 import language_packs
from solum.api.controllers.v1 import plans

RESOURCES = ('apps', 'language_packs', 'plans')


def describe(base_url):
    """What GET / and GET /v1 say of version 1."""
    return {
        'id': 'v1.0',
        'status': 'CURRENT',
        'links': [{'href': '%s/v1' % base_url, 'rel': 'self'}],
        'media_types': [{
            'base': 'application/json',
            'type': 'application/vnd.openstack.solum.v1+json'}],
    }


class V1Controller:
    apps = apps.AppsController()
    language_packs = language_packs.LanguagePacksController()
    plans = plans.PlansController()

    @pecan.expose('json')
    def index(self):
        base = pecan.request.base_url
        body = describe(base)
        for name in RESOURCES:
            body['%s_uri' % name] = '%s/v1/%s' % (base, name)
        return body
