"""Version discovery: GET / and GET /v1 (public)."""

import pecan

from solum.api.controllers.v1 import root as v1_root


class RootController:
    v1 = v1_root.V1Controller()

    @pecan.expose('json')
    def index(self):
        base = pecan.request.base_url
        return {'versions': [v1_root.describe(base)],
                'default_version': v1_root.describe(base)}
