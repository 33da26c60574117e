"""/v1/apps/{app}/git: the app's git remote (smart HTTP), and
/v1/apps/{app}/deploy_tokens: tokens that push to it without Keystone.

Who may: a Keystone token (sent by git as the Basic password; see
solum.api.middleware.auth) with the apps' git rules; a deploy token of
this app (Basic user ``deploy-token``), which pushes and fetches this
app's remote and nothing else; anyone on the loopback all-in-one
(noauth). Another project's app is a 404, as everywhere.
"""

import pecan
from oslo_log import log as logging
from pecan import rest

from solum import conf
from solum.api import git_http
from solum.api import git_push
from solum.api import schemas
from solum.api import triggers
from solum.api import validation
from solum.api import views
from solum.api.controllers.v1 import common
from solum.api.controllers.v1 import lookup
from solum.api.middleware import auth
from solum.common import exception
from solum.common import states
from solum.conductor import api as conductor_api
from solum.db import api as db_api

CONF = conf.CONF
LOG = logging.getLogger(__name__)

_SERVICES = ('git-upload-pack', 'git-receive-pack')
_CONTENT_TYPES = (
    'application/x-git-upload-pack-advertisement',
    'application/x-git-receive-pack-advertisement',
    'application/x-git-upload-pack-result',
    'application/x-git-receive-pack-result',
    'text/plain', 'application/json')


def git_url(base, app):
    return '%s/v1/apps/%s/git' % (base, app.uuid)


def _service(rest_path):
    """The git service a request is for; a 404 for anything but the smart
    HTTP routes (no dumb HTTP: it would serve files of the repository
    directory)."""
    if rest_path == 'info/refs':
        service = pecan.request.GET.get('service')
        if service not in _SERVICES:
            raise exception.NotFound(
                resource='git smart HTTP service', id=service or '(none)')
        return service
    if rest_path in _SERVICES and pecan.request.method == 'POST':
        return rest_path
    raise exception.NotFound(resource='git route', id=rest_path)


def _authorized_app(ident, service):
    """(app, context, remote user) for this request, or an error."""
    token = pecan.request.environ.get(auth.DEPLOY_TOKEN_ENVIRON)
    if token is not None:
        try:
            app = db_api.get_app_by_uuid(None, ident)
        except exception.NotFound:
            raise exception.NotAuthenticated()
        row = db_api.use_deploy_token(None, app.id, token)
        if row is None:
            # The same answer for an unknown app and a wrong token.
            raise exception.NotAuthenticated()
        return app, triggers.owner_context(app), 'deploy-token:%s' % row.name
    rule = 'solum:apps:git_push' if service == 'git-receive-pack' \
        else 'solum:apps:git_fetch'
    app = lookup.app(ident, rule)
    context = common.context()
    return app, context, context.user_id or 'solum'


class GitController(rest.RestController):

    def __init__(self):
        super().__init__()
        self.conductor = conductor_api.ConductorClient()

    # Pecan routes a GET with a remainder (info/refs) to get_one.
    @common.expose_as(*_CONTENT_TYPES)
    def get_one(self, app_ident, *path):
        return self._serve(app_ident, '/'.join(path))

    @common.expose_as(*_CONTENT_TYPES)
    def get_all(self, app_ident):
        return self._serve(app_ident, '')

    @common.expose_as(*_CONTENT_TYPES)
    def post(self, app_ident, *path):
        return self._serve(app_ident, '/'.join(path))

    def _serve(self, app_ident, rest_path):
        if not CONF.git.enabled:
            raise exception.NotFound(resource='git remote', id=app_ident)
        service = _service(rest_path)
        app, context, remote_user = _authorized_app(app_ident, service)
        if service == 'git-receive-pack' and app.status == states.DELETING:
            raise exception.Conflict(reason='app %s is being deleted' %
                                     app.uuid)
        if rest_path != 'git-receive-pack':
            return git_http.serve(pecan.request, app.uuid, rest_path,
                                  remote_user)
        session = git_push.PushSession(
            git_push.PushPolicy(app),
            git_push.PushFollower(app, context, self.conductor,
                                  common.base_url()))
        LOG.info('Push to the git remote of app %s by %s', app.uuid,
                 remote_user)
        try:
            return git_http.serve(pecan.request, app.uuid, rest_path,
                                  remote_user, extra_env=session.env(),
                                  on_close=session.close)
        except Exception:
            session.close()
            raise


class DeployTokensController(rest.RestController):

    @pecan.expose('json')
    def get_all(self, app_ident):
        app = lookup.app(app_ident, 'solum:apps:deploy_tokens:list')
        return [views.deploy_token(row)
                for row in db_api.list_deploy_tokens(None, app.id)]

    @pecan.expose('json')
    def post(self, app_ident):
        app = lookup.app(app_ident, 'solum:apps:deploy_tokens:create')
        body = pecan.request.body
        document = validation.validate(
            validation.parse_body(pecan.request) if body else {},
            schemas.DEPLOY_TOKEN_CREATE)
        if app.status == states.DELETING:
            raise exception.Conflict(reason='app %s is being deleted' %
                                     app.uuid)
        common.check_quota('deploy_tokens_per_app',
                           CONF.quota.deploy_tokens_per_app,
                           len(db_api.list_deploy_tokens(None, app.id)))
        row, token = db_api.create_deploy_token(
            None, app.id, document.get('name', 'deploy'))
        LOG.info('Deploy token %s (%s) created for app %s', row.uuid,
                 row.name, app.uuid)
        return common.created(dict(
            views.deploy_token(row), token=token,
            username=auth.DEPLOY_TOKEN_USER,
            git_url=git_url(common.base_url(), app)))

    @pecan.expose('json')
    def delete(self, app_ident, token_id):
        app = lookup.app(app_ident, 'solum:apps:deploy_tokens:delete')
        db_api.delete_deploy_token(None, app.id, token_id)
        LOG.info('Deploy token %s of app %s revoked', token_id, app.uuid)
        pecan.response.status = 204
