"""/v1/extensions: what this API adds beyond upstream Solum's v1.

Each extension names the requests it adds; doc/source/api/index.rst
describes them.
"""

import pecan
from pecan import rest

from solum.api import policy
from solum.api.controllers.v1 import common
from solum.common import exception

# name -> (description, the requests it adds)
EXTENSIONS = {
    'releases': (
        'Every deploy is an immutable, numbered release of its app.',
        ['GET /v1/apps/{app}/releases',
         'GET /v1/apps/{app}/releases/{number}']),
    'rollback': (
        'Deploy an earlier release again, without rebuilding.',
        ['POST /v1/apps/{app}/rollback']),
    'scale': (
        'Change the number of replicas of the running release at once, '
        'without a workflow.',
        ['POST /v1/apps/{app}/scale']),
    'autoscale': (
        'Scale an app between bounds on requests per second or CPU '
        '(parameters.autoscale of the app file).',
        ['POST /v1/apps', 'PATCH /v1/apps/{app}']),
    'app-logs': (
        "The output of an app's replicas, or a stream of it.",
        ['GET /v1/apps/{app}/logs[?follow=true]']),
    'replicas': (
        "An app's running replicas and their router state.",
        ['GET /v1/apps/{app}/replicas']),
    'follow-logs': (
        'Workflow and language pack logs as JSON, plain text, or a stream '
        'that follows them until the work ends.',
        ['GET /v1/apps/{app}/workflows/{wf}/logs[?follow=true]',
         'GET /v1/language_packs/{lp}/logs[?follow=true]']),
    'workflow-transitions': (
        "A workflow shows its state transitions with their reasons.",
        ['GET /v1/apps/{app}/workflows/{wf}']),
    'deployer-choice': (
        'An app picks its deployer driver among those the operator allows '
        '(parameters.deployer).',
        ['POST /v1/apps', 'PATCH /v1/apps/{app}']),
    'health-checks': (
        'How a new replica is found ready to serve (parameters.health).',
        ['POST /v1/apps', 'PATCH /v1/apps/{app}']),
    'builtin-language-packs': (
        'The built-in language packs are read-only resources of '
        '/v1/language_packs.',
        ['GET /v1/language_packs', 'GET /v1/language_packs/{lp}']),
    'all-projects': (
        'Administrators list the resources of every project.',
        ['GET /v1/apps?all_projects=true',
         'GET /v1/language_packs?all_projects=true',
         'GET /v1/plans?all_projects=true']),
}


def _view(name, base_url):
    description, requests = EXTENSIONS[name]
    return {'uri': '%s/v1/extensions/%s' % (base_url, name),
            'type': 'extension', 'name': name, 'version': '1',
            'description': description, 'requests': list(requests)}


class ExtensionsController(rest.RestController):

    @pecan.expose('json')
    def get_all(self):
        policy.authorize('solum:extensions:list', common.context())
        base = common.base_url()
        return [_view(name, base) for name in EXTENSIONS]

    @pecan.expose('json')
    def get_one(self, name):
        policy.authorize('solum:extensions:show', common.context())
        if name not in EXTENSIONS:
            raise exception.NotFound(resource='Extension', id=name)
        return _view(name, common.base_url())
