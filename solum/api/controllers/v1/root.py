"""GET /v1: the version and upstream Solum's platform document."""

import pecan

from solum import version
from solum.api.controllers.v1 import apps
from solum.api.controllers.v1 import extensions
from solum.api.controllers.v1 import language_packs
from solum.api.controllers.v1 import plans
from solum.api.controllers.v1 import unsupported

# Each has a <resource>_uri in GET /v1, as upstream's platform had; the
# last three answer 501 (see unsupported).
RESOURCES = ('apps', 'language_packs', 'plans', 'extensions', 'assemblies',
             'components', 'services')


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


def platform(base_url):
    """Upstream's platform fields, for GET /v1."""
    body = {
        'uri': '%s/v1' % base_url,
        'type': 'platform',
        'name': 'solum',
        'description': 'Solum: applications from git source to running, '
                       'scaled and routed containers',
        'implementation_version': version.version_info.version_string(),
    }
    for name in RESOURCES:
        body['%s_uri' % name] = '%s/v1/%s' % (base_url, name)
    return body


class V1Controller:
    apps = apps.AppsController()
    language_packs = language_packs.LanguagePacksController()
    plans = plans.PlansController()
    extensions = extensions.ExtensionsController()
    assemblies = unsupported.UnsupportedController('assemblies')
    components = unsupported.UnsupportedController('components')
    services = unsupported.UnsupportedController('services')

    @pecan.expose('json')
    def index(self):
        base = pecan.request.base_url
        body = describe(base)
        body.update(platform(base))
        return body
