"""Solum for a dashboard request: this repository's solumclient on the
user's Keystone token, at the ``application_deployment`` endpoint of the
user's catalog (or the ``SOLUM_URL`` setting).

Views call the functions here; they return dicts wrapped for Horizon's
tables (attribute access) and raise solumclient's exceptions, which carry
the API's faultstring (``handle`` turns them into messages).
"""

import sys

from django.conf import settings
from django.contrib import messages
from horizon import exceptions as horizon_exc
from keystoneauth1 import session as ks_session
from keystoneauth1 import token_endpoint
from openstack_dashboard.api import base

from solum.common import languagepacks
from solum.common import states
from solumclient import client as solum_client
from solumclient import exceptions
from solumclient.v1 import workflows as wf_mod

SERVICE_TYPE = solum_client.SERVICE_TYPE
TIMEOUT = 30

# How the dashboard shows an app's state: settled, failed or changing (the
# row refreshes itself while it changes).
IDLE, FAILED, RUNNING = 'idle', 'failed', 'running'


class Resource(base.APIDictWrapper):
    """A dict of the API with attribute access, as Horizon's tables and
    templates read it."""

    def __init__(self, info):
        super().__init__(dict(info))

    def __getitem__(self, key):
        return self._apidict[key]

    def get(self, key, default=None):
        return self._apidict.get(key, default)


def endpoint(request):
    url = getattr(settings, 'SOLUM_URL', None)
    if not url:
        url = base.url_for(request, SERVICE_TYPE)
    url = url.rstrip('/')
    # solumclient's paths start at /v1.
    if url.endswith('/v1'):
        url = url[:-3]
    return url


def client(request):
    """One client per request, on the user's token."""
    cached = getattr(request, '_solum_client', None)
    if cached is not None:
        return cached
    url = endpoint(request)
    verify = getattr(settings, 'OPENSTACK_SSL_CACERT', None) or \
        not getattr(settings, 'OPENSTACK_SSL_NO_VERIFY', False)
    session = ks_session.Session(
        auth=token_endpoint.Token(url, request.user.token.id),
        verify=verify, timeout=TIMEOUT)
    solum = solum_client.Client(session=session, endpoint=url)
    request._solum_client = solum
    return solum


def handle(request, message, exc, redirect=None, escalate=False):
    """Show ``message`` and the API's faultstring as an error message;
    then redirect, re-raise as handled (for table actions), or go on."""
    if isinstance(exc, exceptions.ClientException):
        text = '%s: %s' % (message, exc.message)
    else:
        text = '%s: %s' % (message, exc)
    messages.error(request, text)
    if redirect:
        raise horizon_exc.Http302(redirect)
    if escalate:
        raise horizon_exc.HandledException(sys.exc_info())


# ------------------------------------------------------------------ apps

def app_state(app, latest_workflow=None):
    """IDLE, FAILED or RUNNING (a workflow or a delete in progress)."""
    status = app.get('status')
    if status in states.ERROR_STATES:
        return FAILED
    if status in (states.APP_CREATED, states.DEPLOYMENT_COMPLETE):
        return IDLE
    if status in states.BETWEEN_STAGES:
        if latest_workflow is not None and wf_mod.is_finished(
                latest_workflow):
            return IDLE
    return RUNNING


def _summary(solum, app):
    """The app with what its table row shows besides its own fields: the
    active release and its replicas, and its state."""
    info = dict(app)
    active = None
    try:
        releases = solum.apps.releases(app['id'])
    except exceptions.NotFound:
        releases = []
    for release in releases:
        if release.get('status') == states.RELEASE_ACTIVE:
            active = release
    info['active_release'] = active['number'] if active else None
    info['replicas'] = active['replicas'] if active else 0
    latest = None
    if app.get('status') in states.BETWEEN_STAGES:
        wfs = solum.workflows.list(app['id'])
        latest = max(wfs, key=lambda w: w['wf_id']) if wfs else None
    info['state'] = app_state(app, latest)
    return Resource(info)


def app_list(request):
    solum = client(request)
    return [_summary(solum, app) for app in solum.apps.list()]


def app_get(request, app_id, summary=True):
    solum = client(request)
    app = solum.apps.get(app_id)
    return _summary(solum, app) if summary else Resource(app)


def app_create(request, document):
    return Resource(client(request).apps.create(document))


def app_delete(request, app_id):
    client(request).apps.delete(app_id)


def app_deploy(request, app_id, actions=('unittest', 'build', 'deploy')):
    return Resource(client(request).workflows.create(app_id, actions))


def app_scale(request, app_id, replicas):
    return client(request).apps.scale(app_id, replicas)


def app_rollback(request, app_id, release=None):
    return Resource(client(request).apps.rollback(app_id, release))


def release_list(request, app_id):
    releases = client(request).apps.releases(app_id)
    return [Resource(r) for r in sorted(releases, key=lambda r: r['number'],
                                        reverse=True)]


def replica_list(request, app_id):
    """The app's replicas, each with the number of its release."""
    solum = client(request)
    replicas = solum.apps.replicas(app_id)
    numbers = {r['id']: r['number'] for r in solum.apps.releases(app_id)}
    return [Resource(dict(r, id=r.get('name'),
                          release_number=numbers.get(r.get('release'))))
            for r in replicas]


def workflow_list(request, app_id):
    wfs = client(request).workflows.list(app_id)
    return [Resource(w) for w in sorted(wfs, key=lambda w: w['wf_id'],
                                        reverse=True)]


def workflow_get(request, app_id, wf_id):
    return Resource(client(request).workflows.get(app_id, wf_id))


def workflow_logs(request, app_id, wf_id, since=None):
    return client(request).workflows.logs(app_id, wf_id, since=since)


def app_logs(request, app_id, tail=200):
    return client(request).apps.logs(app_id, tail=tail)


def stage_states(workflow):
    """Each stage of a workflow with its state: (stage, state), state one
    of 'pending', 'running', 'passed', 'failed'."""
    actions = list(workflow.get('actions') or [])
    status = workflow.get('status')
    passed_through = {
        states.UNIT_TESTING_PASSED: {states.UNITTEST},
        states.BUILDING: {states.UNITTEST},
        states.BUILT: {states.UNITTEST, states.BUILD},
        states.DEPLOYING: {states.UNITTEST, states.BUILD},
        states.STARTING_APP: {states.UNITTEST, states.BUILD},
        states.DEPLOYMENT_COMPLETE: set(states.ACTIONS),
    }
    running = {states.UNIT_TESTING: states.UNITTEST,
               states.BUILDING: states.BUILD,
               states.DEPLOYING: states.DEPLOY,
               states.STARTING_APP: states.DEPLOY}
    failed_stage = None
    if status in states.ERROR_STATES:
        failed_stage = _failed_stage(workflow, actions)
    result = []
    for action in actions:
        if action == failed_stage:
            state = 'failed'
        elif action == running.get(status):
            state = 'running'
        elif action in passed_through.get(status, set()):
            state = 'passed'
        elif failed_stage and actions.index(action) < actions.index(
                failed_stage):
            state = 'passed'
        else:
            state = 'pending'
        result.append((action, state))
    return result


def _failed_stage(workflow, actions):
    status = workflow.get('status')
    if status == states.UNIT_TESTING_FAILED:
        return states.UNITTEST
    if status in (states.ERROR_CODE_DEPLOYMENT,
                  states.ERROR_STACK_CREATE_FAILED):
        return states.DEPLOY
    # ERROR: the stage the workflow was in when it failed.
    for transition in reversed(workflow.get('transitions') or []):
        if transition.get('to') == status:
            for action, stage_states_ in states.STAGE_STATES.items():
                if transition.get('from') in stage_states_:
                    return action
    return actions[0] if actions else None


def workflow_finished(workflow):
    return wf_mod.is_finished(workflow)


# -------------------------------------------------------- language packs

def languagepack_list(request):
    return [Resource(lp) for lp in client(request).language_packs.list()]


def languagepack_get(request, lp_id):
    return Resource(client(request).language_packs.get(lp_id))


def languagepack_create(request, name, source_uri, description=None):
    return Resource(client(request).language_packs.create(
        name, source_uri, description=description))


def languagepack_delete(request, lp_id):
    client(request).language_packs.delete(lp_id)


def languagepack_logs(request, lp_id):
    return client(request).language_packs.logs(lp_id)


def languagepack_choices_offline():
    """The packs every Solum has: auto-detect and the built-in ones."""
    return [(languagepacks.AUTO, 'auto (detect from the source)')] + [
        (name, name) for name in languagepacks.BUILTIN]


def languagepack_choices(request):
    """(value, label) of every pack an app may name: auto-detect, the
    built-in ones, the project's ready ones."""
    choices = languagepack_choices_offline()
    names = list(languagepacks.BUILTIN)
    for lp in client(request).language_packs.list():
        if lp.get('name') not in names and (
                lp.get('builtin') or lp.get('status') == states.LP_READY):
            names.append(lp['name'])
    return choices + [(name, name) for name in names
                      if name not in languagepacks.BUILTIN]
