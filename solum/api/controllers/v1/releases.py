"""/v1/apps/{app}/releases, /rollback, /scale and /logs: what runs of an
app and how it changes."""

import json
import time

import pecan
import webob
from pecan import rest

from solum import conf
from solum.api import schemas
from solum.api import validation
from solum.api import views
from solum.api.controllers.v1 import common
from solum.api.controllers.v1 import lookup
from solum.common import exception
from solum.common import states
from solum.conductor import api as conductor_api
from solum.db import api as db_api
from solum.db import types
from solum.deployer import rpcapi as deployer_rpcapi

CONF = conf.CONF

def _not_deleting(app):
    if app.status == states.DELETING:
        raise exception.Conflict(reason='app %s is being deleted' % app.uuid)


class ReleasesController(rest.RestController):

    @pecan.expose('json')
    def get_all(self, app_ident):
        app = lookup.app(app_ident, 'solum:apps:releases')
        limit, marker = common.pagination()
        base = common.base_url()
        return [views.release(r, app, base) for r in db_api.list_releases(
            None, app.id, limit=limit, marker=marker)]

    @pecan.expose('json')
    def get_one(self, app_ident, number):
        app = lookup.app(app_ident, 'solum:apps:releases')
        try:
            number = int(number)
        except ValueError:
            raise exception.NotFound(resource='Release', id=number)
        return views.release(db_api.get_release(None, app.id, number), app,
                             common.base_url())


def choose_rollback(app_id, number=None):
    """The release to roll back to: ``number``, or the one deployed before
    the active one."""
    active = db_api.active_release(None, app_id)
    if number is None:
        candidates = [r for r in db_api.list_releases(None, app_id)
                      if r.status in states.RELEASES_DEPLOYED and
                      (active is None or r.number < active.number)]
        if not candidates:
            raise exception.Conflict(
                reason='there is no earlier release to roll back to')
        return candidates[-1]
    release = db_api.get_release(None, app_id, number)
    if release.status not in states.RELEASES_DEPLOYED:
        raise exception.Conflict(
            reason='release %d never served (%s); roll back to a release '
                   'that did' % (number, release.status))
    if active is not None and active.number == number:
        raise exception.Conflict(reason='release %d is the active release'
                                 % number)
    return release


class RollbackController(rest.RestController):

    def __init__(self):
        super().__init__()
        self.conductor = conductor_api.ConductorClient()

    @pecan.expose('json')
    def post(self, app_ident):
        app = lookup.app(app_ident, 'solum:apps:rollback')
        context = common.context()
        body = pecan.request.body
        document = {}
        if body.strip():
            document = validation.parse_body(pecan.request)
        validation.validate(document, schemas.ROLLBACK)
        _not_deleting(app)
        release = choose_rollback(app.id, document.get('release'))
        values = {
            'actions': ['deploy'],
            'du_id': release.image,
            'source': app.source,
            'config': app.workflow_config,
            'result': {'rollback_to': release.number},
        }
        wf = self.conductor.start_workflow(context, app, values)
        return common.created(views.workflow(wf, common.base_url()))


class ScaleController(rest.RestController):

    def __init__(self):
        super().__init__()
        self.deployer = deployer_rpcapi.DeployerAPI()

    @pecan.expose('json')
    def post(self, app_ident):
        app = lookup.app(app_ident, 'solum:apps:scale')
        document = validation.validate(validation.parse_body(pecan.request),
                                       schemas.SCALE)
        _not_deleting(app)
        replicas = document['replicas']
        common.check_quota('instances_per_app',
                           CONF.quota.instances_per_app, replicas - 1)
        active = db_api.active_release(None, app.id)
        if active is None:
            raise exception.Conflict(
                reason='app %s has no running release to scale; deploy it '
                       'first' % app.name)
        context = common.context()
        serial = db_api.request_scale(context, app.id)
        self.deployer.scale(context, app.uuid, replicas=replicas,
                            serial=serial)
        common.accepted()
        return {'app_id': app.uuid, 'release': active.number,
                'replicas': replicas}


class ReplicasController(rest.RestController):

    def __init__(self):
        super().__init__()
        self.deployer = deployer_rpcapi.DeployerAPI()

    @pecan.expose('json')
    def get_all(self, app_ident):
        app = lookup.app(app_ident, 'solum:apps:replicas')
        return self.deployer.app_status(common.context(), app.uuid)


def _line_text(line):
    return '%s %s %s\n' % (line['time'], line['replica'], line['line'])


class AppLogsController(rest.RestController):

    def __init__(self):
        super().__init__()
        self.deployer = deployer_rpcapi.DeployerAPI()

    @common.expose_as('application/json', 'text/plain')
    def get_all(self, app_ident):
        app = lookup.app(app_ident, 'solum:apps:logs')
        context = common.context()
        tail = common.int_param('tail', 1, types.INT32_MAX)
        since = pecan.request.GET.get('since') or None
        if common.flag('follow'):
            return webob.Response(
                content_type='text/plain', charset='utf-8',
                app_iter=self._follow(context, app.uuid, since, tail))
        lines = self.deployer.app_logs(context, app.uuid, since=since,
                                       tail=tail)
        accept = pecan.request.accept.best_match(
            ['application/json', 'text/plain'],
            default_match='application/json')
        if accept == 'text/plain':
            return webob.Response(content_type='text/plain', charset='utf-8',
                                  text=''.join(_line_text(x) for x in lines))
        return webob.Response(content_type='application/json',
                              charset='utf-8', body=json.dumps(lines).encode())

    def _follow(self, context, app_uuid, since, tail):
        deadline = time.monotonic() + CONF.api.log_follow_timeout
        last = since
        while time.monotonic() < deadline:
            try:
                lines = self.deployer.app_logs(context, app_uuid,
                                               since=last, tail=tail)
            except Exception:
                return   # the app is gone, or the deployer: end the stream
            tail = None
            fresh = [x for x in lines if last is None or x['time'] > last]
            if fresh:
                last = fresh[-1]['time']
                yield ''.join(_line_text(x) for x in fresh).encode()
            time.sleep(max(CONF.api.log_follow_interval, 0.2))
