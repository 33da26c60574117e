"""Finding a resource for a request, policy included."""

from solum.api import policy
from solum.api.controllers.v1 import common
from solum.db import api as db_api


def app(ident, rule):
    """The app, after the policy check; another project's app is a 404."""
    context = common.context()
    found = db_api.get_app(context, ident)
    policy.authorize(rule, context, {'project_id': found.project_id})
    return found
