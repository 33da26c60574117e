"""/v1/plans: version-1 plans, in and out as JSON or YAML."""

import json

import pecan
import webob
import yaml
from pecan import rest

from solum import conf
from solum.api import compat
from solum.api import policy
from solum.api import schemas
from solum.api import validation
from solum.api import views
from solum.api.controllers.v1 import common
from solum.common import exception
from solum.db import api as db_api

CONF = conf.CONF
_OFFERED = ['application/json', 'application/x-yaml', 'application/yaml',
            'text/yaml']


def _respond(body, status=200):
    accept = pecan.request.accept
    if not accept:
        best = 'application/json'
    else:
        best = accept.best_match(_OFFERED)
        if best is None:
            raise exception.NotAcceptable(supported=', '.join(_OFFERED))
    if best == 'application/json':
        text = json.dumps(body)
    else:
        text = yaml.safe_dump(body, default_flow_style=False,
                              sort_keys=False)
    return webob.Response(status=status, content_type=best, charset='utf-8',
                          text=text)


def _get(uuid, rule):
    context = common.context()
    plan = db_api.get_plan(context, uuid)
    policy.authorize(rule, context, {'project_id': plan.project_id})
    return plan


def _document():
    document = validation.validate(compat.plan(
        validation.parse_body(pecan.request, allow_yaml=True)), schemas.PLAN)
    for artifact in document.get('artifacts', []):
        validation.validate_git_url(artifact['content']['href'],
                                    field='artifacts.content.href')
    return document


def _columns(document):
    return {'name': document['name'],
            'description': document.get('description'),
            'content': document}


class PlansController(rest.RestController):

    @common.expose_as(*_OFFERED)
    def get_all(self):
        context = common.context()
        policy.authorize('solum:plans:list', context)
        all_projects = common.flag('all_projects')
        if all_projects:
            policy.authorize('solum:all_projects', context)
        limit, marker = common.pagination()
        base = common.base_url()
        return _respond([views.plan(p, base) for p in db_api.list_plans(
            context, limit=limit, marker=marker, all_projects=all_projects)])

    @common.expose_as(*_OFFERED)
    def get_one(self, uuid):
        return _respond(views.plan(_get(uuid, 'solum:plans:show'),
                                   common.base_url()))

    @common.expose_as(*_OFFERED)
    def post(self):
        context = common.context()
        policy.authorize('solum:plans:create', context)
        document = _document()
        common.check_quota('plans', CONF.quota.plans,
                           db_api.count_plans(context))
        plan = db_api.create_plan(context, _columns(document))
        return _respond(views.plan(plan, common.base_url()), status=201)

    @common.expose_as(*_OFFERED)
    def put(self, uuid):
        plan = _get(uuid, 'solum:plans:update')
        document = _document()
        plan = db_api.update_plan(common.context(), plan.uuid,
                                  _columns(document))
        return _respond(views.plan(plan, common.base_url()))

    @pecan.expose('json')
    def delete(self, uuid):
        plan = _get(uuid, 'solum:plans:delete')
        db_api.destroy_plan(common.context(), plan.uuid)
        pecan.response.status = 204
