"""/v1/apps/{app}/workflows: unit test, build and deploy runs of an app."""

import pecan
from pecan import rest

from solum import conf
from solum.api import compat
from solum.api import schemas
from solum.api import triggers
from solum.api import validation
from solum.api import views
from solum.api.controllers.v1 import common
from solum.api.controllers.v1 import logs
from solum.api.controllers.v1 import lookup
from solum.common import exception
from solum.common import git_repos
from solum.common import states
from solum.conductor import api as conductor_api
from solum.db import api as db_api

CONF = conf.CONF


def _source(app, actions):
    """The app's source; for an app whose source is its own git remote,
    what was last pushed to its tracked branch."""
    if (app.source or {}).get('repository') or states.BUILD not in actions:
        return app.source
    pushed = git_repos.pushed_source(app)
    if pushed is None:
        raise exception.Conflict(
            reason='app %s has no source repository and nothing has been '
                   'pushed to its git remote yet: git push %s/v1/apps/%s/git '
                   'HEAD:%s' % (app.uuid, common.base_url(), app.uuid,
                                git_repos.tracked_branches(app)[0]))
    return pushed


class WorkflowLogsController(rest.RestController):

    @common.expose_as('application/json', 'text/plain')
    def get_all(self, app_ident, wf_ident):
        app = lookup.app(app_ident, 'solum:workflows:logs')
        wf = db_api.get_workflow(common.context(), app, wf_ident)

        def finished():
            current = db_api.get_workflow_by_uuid(None, wf.uuid)
            return states.is_finished(current.status, current.actions)
        return logs.render(wf.uuid, finished, common.flag('follow'))


class WorkflowsController(rest.RestController):
    logs = WorkflowLogsController()

    def __init__(self):
        super().__init__()
        self.conductor = conductor_api.ConductorClient()

    @pecan.expose('json')
    def get_all(self, app_ident):
        app = lookup.app(app_ident, 'solum:workflows:list')
        limit, marker = common.pagination()
        base = common.base_url()
        return [views.workflow(w, base) for w in db_api.list_workflows(
            common.context(), app, limit=limit, marker=marker)]

    @pecan.expose('json')
    def get_one(self, app_ident, wf_ident):
        app = lookup.app(app_ident, 'solum:workflows:show')
        wf = db_api.get_workflow(common.context(), app, wf_ident)
        return views.workflow(wf, common.base_url(),
                              transitions=db_api.list_transitions(None, wf.id))

    @pecan.expose('json')
    def post(self, app_ident):
        app = lookup.app(app_ident, 'solum:workflows:create')
        context = common.context()
        document = validation.validate(
            compat.workflow(validation.parse_body(pecan.request)),
            schemas.WORKFLOW_CREATE)
        if app.status == states.DELETING:
            raise exception.Conflict(reason='app %s is being deleted' %
                                     app.uuid)
        actions = [a for a in states.ACTIONS if a in document['actions']]
        if 'build' not in actions and not document.get('du_id'):
            raise exception.InvalidInput(
                reason='actions: without "build", give du_id (the image of '
                       'an earlier build) to test or deploy')
        scale_target = document.get('scale_target')
        if scale_target is not None:
            common.check_quota('instances_per_app',
                               CONF.quota.instances_per_app,
                               scale_target - 1)
        values = triggers.workflow_values(
            app, actions, _source(app, actions), du_id=document.get('du_id'),
            scale_target=scale_target)
        wf = self.conductor.start_workflow(context, app, values)
        return common.created(views.workflow(wf, common.base_url()))
