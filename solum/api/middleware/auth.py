"""Authentication middleware: Keystone for every path but the public ones,
or a trusted-loopback 'noauth' identity for the all-in-one."""

import re

import webob.dec
from keystonemiddleware import auth_token

from solum import conf as solum_conf
from solum.api.middleware import base

CONF = solum_conf.CONF

# Webhook deliveries carry no token: the signature made with the app's
# webhook secret authenticates them (solum.api.controllers.v1.webhooks).
# Only POST to the delivery route itself: not /webhook/secret, and no
# other method (which would reach other handlers without an identity).
_WEBHOOK = re.compile(r'^/v1/apps/[^/]+/webhook$')


def is_webhook(path, method='POST'):
    return method == 'POST' and bool(_WEBHOOK.match(path.rstrip('/')))


def is_public(path, method='GET'):
    """Version discovery, health and webhook deliveries answer without a
    token."""
    return path.rstrip('/') in ('', '/v1', '/healthcheck') or \
        is_webhook(path, method)


class KeystoneAuth:
    """auth_token for everything except version discovery and health."""

    def __init__(self, application, conf):
        self.application = application
        self.protected = auth_token.AuthProtocol(application, conf)

    @classmethod
    def factory(cls, global_config, **local_config):
        conf = dict(global_config, **local_config)
        # Read [keystone_authtoken] from Solum's own configuration.
        conf['oslo_config_config'] = CONF

        def _filter(application):
            return cls(application, conf)
        return _filter

    def __call__(self, environ, start_response):
        if is_public(environ.get('PATH_INFO', ''),
                     environ.get('REQUEST_METHOD')):
            return self.application(environ, start_response)
        return self.protected(environ, start_response)


class NoAuth(base.Middleware):
    """Acts as an administrator of the project named by X-Project-Id
    (default "solum"). Only ever served on loopback (see solum.cmd)."""

    @webob.dec.wsgify
    def __call__(self, request):
        headers = request.headers
        for name in ('X-Identity-Status', 'X-Roles', 'X-User-Id',
                     'X-Service-Catalog', 'X-Auth-Token'):
            headers.pop(name, None)
        project = headers.get('X-Project-Id') or 'solum'
        headers['X-Project-Id'] = project
        headers['X-User-Id'] = headers.get('X-User-Name', 'solum')
        headers['X-Roles'] = 'admin,member,reader'
        headers['X-Identity-Status'] = 'Confirmed'
        return request.get_response(self.application)
