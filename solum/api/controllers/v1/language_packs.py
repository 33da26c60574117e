"""/v1/language_packs: custom language packs, built from a git repository
holding a Containerfile, and the built-in packs (read-only)."""

import pecan
from pecan import rest

from solum import conf
from solum.api import compat
from solum.api import policy
from solum.api import schemas
from solum.api import validation
from solum.api import views
from solum.api.controllers.v1 import common
from solum.api.controllers.v1 import logs
from solum.common import exception
from solum.common import languagepacks
from solum.common import states
from solum.conductor import api as conductor_api
from solum.db import api as db_api

CONF = conf.CONF


def _get(ident, rule):
    """A project's pack, or a built-in one (every project may read
    those)."""
    context = common.context()
    builtin = languagepacks.find_builtin(ident)
    if builtin is not None:
        policy.authorize(rule, context)
        return builtin
    lp = db_api.get_language_pack(context, ident)
    policy.authorize(rule, context, {'project_id': lp.project_id})
    return lp


def _refuse_builtin(lp, doing):
    if isinstance(lp, languagepacks.BuiltinPack):
        raise exception.Conflict(
            reason='%s is a built-in language pack; built-in packs cannot '
                   'be %s (register a custom pack under another name '
                   'instead)' % (lp.name, doing))


def _page(context, limit, marker, all_projects):
    """Built-in packs first, then the project's: one list, paged by the
    same limit and marker."""
    builtins = languagepacks.builtin_packs()
    ids = [lp.uuid for lp in builtins]
    if marker is None:
        shown = builtins
    elif marker in ids:
        shown = builtins[ids.index(marker) + 1:]
        marker = None
    else:
        shown = []
    shown = shown[:limit]
    if len(shown) < limit:
        shown += db_api.list_language_packs(
            context, limit=limit - len(shown), marker=marker,
            all_projects=all_projects)
    return shown


class LanguagePackLogsController(rest.RestController):

    @common.expose_as('application/json', 'text/plain')
    def get_all(self, ident):
        lp = _get(ident, 'solum:language_packs:logs')

        def finished():
            # A built-in pack has no build, and so no log lines.
            if isinstance(lp, languagepacks.BuiltinPack):
                return True
            return db_api.get_language_pack_by_uuid(
                None, lp.uuid).status in states.LP_FINISHED
        return logs.render(lp.uuid, finished, common.flag('follow'))


class LanguagePacksController(rest.RestController):
    logs = LanguagePackLogsController()

    def __init__(self):
        super().__init__()
        self.conductor = conductor_api.ConductorClient()

    @pecan.expose('json')
    def get_all(self):
        context = common.context()
        policy.authorize('solum:language_packs:list', context)
        all_projects = common.flag('all_projects')
        if all_projects:
            policy.authorize('solum:all_projects', context)
        limit, marker = common.pagination()
        base = common.base_url()
        return [views.language_pack(lp, base)
                for lp in _page(context, limit, marker, all_projects)]

    @pecan.expose('json')
    def get_one(self, ident):
        return views.language_pack(_get(ident, 'solum:language_packs:show'),
                                   common.base_url())

    @pecan.expose('json')
    def post(self):
        context = common.context()
        policy.authorize('solum:language_packs:create', context)
        document = validation.validate(compat.language_pack(
            validation.parse_body(pecan.request, allow_yaml=True)),
            schemas.LANGUAGE_PACK_CREATE)
        name = document['name']
        if languagepacks.is_builtin(name):
            raise exception.Conflict(
                reason='%r is the name of a built-in language pack; choose '
                       'another name' % name)
        validation.validate_git_url(document['source_uri'],
                                    field='source_uri')
        common.check_quota('language_packs', CONF.quota.language_packs,
                           db_api.count_language_packs(context))
        lp = db_api.create_language_pack(context, dict(document,
                                                       status=states.LP_QUEUED))
        self.conductor.build_language_pack(context, lp.uuid)
        return common.created(views.language_pack(lp, common.base_url()))

    @pecan.expose('json')
    def put(self, ident):
        # Only to say why a built-in pack is not replaced. A custom pack is
        # not replaced either (it is built from its repository: delete it
        # and register it again), as before: a 405.
        if languagepacks.find_builtin(ident) is None:
            pecan.abort(405, headers={'Allow': 'GET, DELETE'})
        _refuse_builtin(_get(ident, 'solum:language_packs:create'),
                        'replaced')

    @pecan.expose('json')
    def delete(self, ident):
        lp = _get(ident, 'solum:language_packs:delete')
        _refuse_builtin(lp, 'deleted')
        users = db_api.apps_using_language_pack(common.context(), lp.name,
                                                lp.project_id)
        if users:
            raise exception.InUse(resource='Language pack', id=lp.name,
                                  users='apps %s' % ', '.join(sorted(users)))
        db_api.destroy_language_pack(None, lp.id)
        pecan.response.status = 204
