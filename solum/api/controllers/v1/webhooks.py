"""/v1/apps/{app}/webhook: signed deliveries from GitHub, GitLab, Gitea
or a script start the app's workflow on the pushed commit;
/v1/apps/{app}/webhook/secret: the owner creates (or rotates) the secret
they are signed with, shown once.

The delivery route is public (solum.api.middleware.auth.is_public): no
token, the signature alone authenticates. It finds the app by uuid only
(names are per project). An unknown app is a 404: app uuids are random,
so this tells a prober nothing they could use. Neither the secret nor
the body is ever logged.
"""

import json

import pecan
from oslo_log import log as logging
from pecan import rest

from solum import conf
from solum.api import triggers
from solum.api.controllers.v1 import common
from solum.api.controllers.v1 import lookup
from solum.common import crypto
from solum.common import exception
from solum.common import states
from solum.common import webhooks
from solum.conductor import api as conductor_api
from solum.db import api as db_api

CONF = conf.CONF
LOG = logging.getLogger(__name__)

def webhook_url(base, app):
    return '%s/v1/apps/%s/webhook' % (base, app.uuid)


def _answer(status, **body):
    pecan.response.status = status
    return body


class WebhookSecretController(rest.RestController):

    @pecan.expose('json')
    def post(self, app_ident):
        app = lookup.app(app_ident, 'solum:apps:webhook_secret')
        if app.status == states.DELETING:
            raise exception.Conflict(reason='app %s is being deleted' %
                                     app.uuid)
        secret = webhooks.new_secret()
        db_api.set_webhook_secret(common.context(), app.id,
                                  crypto.encrypt(secret))
        LOG.info('Webhook secret of app %s %s', app.uuid,
                 'rotated' if app.webhook_secret else 'created')
        return common.created({
            'app_id': app.uuid,
            'webhook_url': webhook_url(common.base_url(), app),
            'secret': secret,
            'rotated': bool(app.webhook_secret),
            'content_type': 'application/json',
        })


class WebhookController(rest.RestController):
    secret = WebhookSecretController()

    def __init__(self):
        super().__init__()
        self.conductor = conductor_api.ConductorClient()

    @pecan.expose('json')
    def post(self, app_ident):
        try:
            app = db_api.get_app_by_uuid(None, app_ident)
        except exception.NotFound:
            raise exception.NotFound(resource='App', id=app_ident)
        body = pecan.request.body
        if len(body) > CONF.api.webhook_max_body:
            raise exception.RequestTooLarge(size=len(body),
                                            limit=CONF.api.webhook_max_body)
        headers = pecan.request.headers
        try:
            secret = crypto.decrypt(app.webhook_secret) \
                if app.webhook_secret else None
        except Exception:
            LOG.error('The webhook secret of app %s cannot be decrypted '
                      'with this Solum\'s secret key', app.uuid)
            secret = None
        try:
            kind = webhooks.verify(headers, body, secret)
            delivery = webhooks.delivery_id(kind, headers)
        except webhooks.Refused as e:
            LOG.info('Webhook delivery for app %s refused: %s', app.uuid,
                     e.reason)
            raise self._error(e)
        event = webhooks.event(kind, headers)
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            raise exception.BadRequest(reason='the body is not JSON')
        if event == 'ping':
            return _answer(200, started=False, event=event,
                           reason='pong: the signature matches')
        keys = [webhooks.body_digest(body)]
        if delivery:
            keys.insert(0, delivery)
        if not db_api.record_deliveries(
                None, app.id, keys, CONF.api.webhook_delivery_retention):
            LOG.info('Webhook delivery %s for app %s already received',
                     delivery, app.uuid)
            return _answer(200, started=False, event=event,
                           delivery=delivery, reason='already received')
        if event != 'push':
            return _answer(200, started=False, event=event,
                           delivery=delivery,
                           reason='only push events start work')
        if not (app.source or {}).get('repository'):
            return _answer(200, started=False, event=event,
                           delivery=delivery,
                           reason='the app has no source repository: its '
                                  'source is its own git remote; push there')
        commit, why = webhooks.push_commit(app.source, payload)
        if commit is None:
            return _answer(200, started=False, event=event,
                           delivery=delivery, reason=why)
        if app.status == states.DELETING:
            return _answer(200, started=False, event=event,
                           delivery=delivery, reason='the app is being '
                                                     'deleted')
        if not triggers.builds_commits(app):
            return _answer(200, started=False, event=event,
                           delivery=delivery,
                           reason='the app\'s trigger_actions do not build '
                                  'a new commit')
        try:
            wf = self._start(app, commit)
        except Exception:
            db_api.forget_deliveries(None, app.id, keys)
            raise
        LOG.info('Webhook delivery %s (%s) started workflow %s of app %s '
                 'at %s', delivery, kind, wf.wf_id, app.uuid, commit)
        return _answer(202, started=True, event=event, delivery=delivery,
                       commit=commit, workflow_id=wf.uuid, wf_id=wf.wf_id,
                       uri='%s/v1/apps/%s/workflows/%s' % (
                           common.base_url(), app.uuid, wf.uuid))

    @staticmethod
    def _error(refused):
        error = exception.SolumException(refused.reason)
        error.code = refused.code
        return error

    def _start(self, app, commit):
        return triggers.start_on_commit(
            self.conductor, triggers.owner_context(app), app,
            dict(app.source, revision=commit))
