"""Pecan hooks: the request context and error rendering."""

import pecan
from pecan import hooks

from solum import conf
from solum.api import policy
from solum.api.middleware import auth
from solum.common import context as solum_context
from solum.common import exception

CONF = conf.CONF


class ContextHook(hooks.PecanHook):
    """Builds the RequestContext from the headers auth_token (or the noauth
    middleware) set; refuses unauthenticated requests."""

    def before(self, state):
        environ = state.request.environ
        if auth.is_public(state.request.path_info, state.request.method):
            return
        if auth.DEPLOY_TOKEN_ENVIRON in environ and \
                auth.is_git(state.request.path_info):
            return  # a git request; solum.api.controllers.v1.git checks it
        if environ.get('HTTP_X_IDENTITY_STATUS') != 'Confirmed':
            raise exception.NotAuthenticated()
        ctx = solum_context.RequestContext.from_environ(environ)
        if not ctx.project_id:
            raise exception.Forbidden(
                action='use Solum without a project-scoped token')
        # Administrators reach every project's resources by id; listings
        # still show one project unless all_projects is asked for.
        ctx.all_projects = lambda: policy.check('solum:all_projects', ctx)
        state.request.context = ctx


class NoMethodOverrideHook(hooks.PecanHook):
    """Pecan's RestController lets ``?_method=delete`` turn a POST into
    another method: a cross-site HTML form could then delete an app of
    the all-in-one. The API takes real methods only. (Form fields never
    count: solum.api.app.Request parses no form body.) Checked before
    routing, where the override acts."""

    def on_route(self, state):
        if '_method' in state.request.GET:
            raise exception.BadRequest(
                reason='the _method override is not supported: send the '
                       'HTTP method itself')


class BaseURLHook(hooks.PecanHook):
    """The base of the links in responses: the public endpoint, or the
    URL the request came to, with the prefix the API is mounted under
    (SCRIPT_NAME, e.g. /application_deployment behind a web server)."""

    def before(self, state):
        base = CONF.api.public_endpoint or state.request.application_url
        state.request.base_url = base.rstrip('/')


def fault_body(status, message, client):
    return {'faultcode': 'Client' if client else 'Server',
            'faultstring': message, 'debuginfo': None}


class ErrorHook(hooks.PecanHook):
    """SolumExceptions become their HTTP status with the fault body."""

    def on_error(self, state, e):
        if isinstance(e, exception.SolumException):
            response = pecan.Response(status=e.code,
                                      content_type='application/json',
                                      charset='utf-8')
            response.json = fault_body(e.code, str(e), e.code < 500)
            return response
        return None
