"""/v1/apps: the app file in, the app (never its secrets) out."""

import json

import pecan
import webob
from oslo_log import log as logging
from pecan import rest

from solum import conf
from solum.api import compat
from solum.api import policy
from solum.api import render_cache
from solum.api import schemas
from solum.api import triggers
from solum.api import validation
from solum.api import views
from solum.api.controllers.v1 import common
from solum.api.controllers.v1 import git as git_remote
from solum.api.controllers.v1 import lookup
from solum.api.controllers.v1 import releases as app_releases
from solum.api.controllers.v1 import webhooks
from solum.api.controllers.v1 import workflows
from solum.common import crypto
from solum.common import exception
from solum.common import keystone
from solum.common import languagepacks
from solum.common import states
from solum.conductor import api as conductor_api
from solum.db import api as db_api

CONF = conf.CONF
LOG = logging.getLogger(__name__)

# What GET /v1/apps renders of each app, by revision (see render_cache).
_RENDERED = render_cache.RenderCache()

# What an app file contributes to the stored row.
_STORED_FIELDS = ('name', 'description', 'languagepack', 'workflow_config',
                  'trigger_actions', 'ports', 'parameters')


def _check_language_pack(name, project_id):
    if languagepacks.is_builtin(name):
        return
    try:
        db_api.get_project_language_pack(None, project_id, name)
    except exception.NotFound:
        raise exception.InvalidInput(
            reason='languagepack: unknown language pack %r; use one of %s, '
                   'or register it with POST /v1/language_packs' %
                   (name, ', '.join(languagepacks.builtin_names())))


def _check_deployer(document):
    wanted = (document.get('parameters') or {}).get('deployer')
    allowed = [CONF.deployer.driver] + [
        d for d in CONF.deployer.allowed_drivers if d != CONF.deployer.driver]
    if wanted and wanted not in allowed:
        raise exception.InvalidInput(
            reason='parameters.deployer: %r is not allowed here; use one '
                   'of %s' % (wanted, ', '.join(allowed)))


def _row_values(document):
    """Split an app file into stored columns; the key only encrypted."""
    values = {k: document[k] for k in _STORED_FIELDS if k in document}
    if 'source' in document:
        source = dict(document['source'])
        key = source.pop('private_ssh_key', None)
        if 'repository' in source:
            validation.validate_git_url(source['repository'])
        values['source'] = source
        if key is not None:
            values['private_ssh_key'] = crypto.encrypt(key)
    return values


def _raw_content(document):
    """The app file as given, without the private key."""
    shown = dict(document)
    if 'source' in shown:
        shown['source'] = {k: v for k, v in shown['source'].items()
                           if k != 'private_ssh_key'}
    return json.dumps(shown, sort_keys=True)


def _stored_document(app):
    """The app file an app was last given, from raw_content, or rebuilt
    from its columns when that is missing or unreadable."""
    try:
        document = json.loads(app.raw_content or '')
    except ValueError:
        document = None
    if isinstance(document, dict):
        return document
    document = {'version': 1, 'source': app.source}
    document.update((k, getattr(app, k)) for k in _STORED_FIELDS)
    return document


class AppsController(rest.RestController):
    workflows = workflows.WorkflowsController()
    releases = app_releases.ReleasesController()
    rollback = app_releases.RollbackController()
    scale = app_releases.ScaleController()
    logs = app_releases.AppLogsController()
    replicas = app_releases.ReplicasController()
    webhook = webhooks.WebhookController()
    git = git_remote.GitController()
    deploy_tokens = git_remote.DeployTokensController()

    def __init__(self):
        super().__init__()
        self.conductor = conductor_api.ConductorClient()

    @common.expose_as('application/json')
    def get_all(self):
        context = common.context()
        policy.authorize('solum:apps:list', context)
        all_projects = common.flag('all_projects')
        if all_projects:
            policy.authorize('solum:all_projects', context)
        limit, marker = common.pagination()
        base = common.base_url()
        keys = db_api.list_app_revisions(context, limit=limit, marker=marker,
                                         all_projects=all_projects)
        body = render_cache.json_list(
            keys, _RENDERED,
            lambda uuids: db_api.get_apps_by_uuid(context, uuids),
            lambda row: views.app(row, base), scope=base)
        return webob.Response(body=body, content_type='application/json',
                              charset='utf-8')

    @pecan.expose('json')
    def get_one(self, ident):
        app = lookup.app(ident, 'solum:apps:show')
        return views.app(app, common.base_url())

    @pecan.expose('json')
    def post(self):
        context = common.context()
        policy.authorize('solum:apps:create', context)
        document = validation.validate(compat.app(
            validation.parse_body(pecan.request, allow_yaml=True)),
            schemas.APP_CREATE)
        _check_language_pack(document['languagepack'], context.project_id)
        _check_deployer(document)
        values = _row_values(document)
        values.setdefault('trigger_actions', list(triggers.DEFAULT_ACTIONS))
        values['raw_content'] = _raw_content(document)
        common.check_quota('apps', CONF.quota.apps,
                           db_api.count_apps(context))
        if keystone.trusts_enabled():
            values['trust_id'] = keystone.create_trust(context)
        try:
            app = db_api.create_app(context, values)
        except Exception:
            if values.get('trust_id'):
                keystone.delete_trust(values['trust_id'])
            raise
        LOG.info('Created app %s (%s) in project %s', app.name, app.uuid,
                 app.project_id)
        return common.created(views.app(app, common.base_url()))

    @pecan.expose('json')
    def patch(self, ident):
        app = lookup.app(ident, 'solum:apps:update')
        context = common.context()
        document = validation.validate(compat.app_update(
            validation.parse_body(pecan.request, allow_yaml=True)),
            schemas.APP_UPDATE)
        if app.status == states.DELETING:
            raise exception.Conflict(reason='app %s is being deleted' %
                                     app.uuid)
        if 'languagepack' in document:
            _check_language_pack(document['languagepack'], app.project_id)
        _check_deployer(document)
        # Nested source and workflow_config merge into what is there.
        if 'source' in document:
            document['source'] = dict(app.source, **document['source'])
        if 'workflow_config' in document:
            document['workflow_config'] = dict(app.workflow_config,
                                               **document['workflow_config'])
        values = _row_values(document)
        # raw_content shows the app file as it now stands.
        values['raw_content'] = _raw_content(dict(_stored_document(app),
                                                  **document))
        app = db_api.update_app(context, app.uuid, values)
        return views.app(app, common.base_url())

    @pecan.expose('json')
    def delete(self, ident):
        app = lookup.app(ident, 'solum:apps:delete')
        self.conductor.delete_app(common.context(), app)
        common.accepted()
