"""Authentication middleware: Keystone for every path but the public ones,
or a trusted-loopback 'noauth' identity for the all-in-one."""

import base64
import binascii
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


# An app's git remote (solum.api.controllers.v1.git). git sends HTTP
# Basic credentials: a deploy token under this user name, or a Keystone
# token as the password of any other.
_GIT = re.compile(r'^/v1/apps/[^/]+/git(/|$)')
DEPLOY_TOKEN_USER = 'deploy-token'  # noqa: S105 (a user name)
# Set (only) by this middleware: the deploy token a git request carries.
DEPLOY_TOKEN_ENVIRON = 'solum.deploy_token'  # noqa: S105 (a key)
_BASIC_CHALLENGE = ('WWW-Authenticate', 'Basic realm="Solum git remote"')


def is_git(path):
    return bool(_GIT.match(path))


def basic_credentials(environ):
    """(user, password) of an HTTP Basic Authorization header, or
    (None, None)."""
    scheme, _, value = environ.get('HTTP_AUTHORIZATION', '').partition(' ')
    if scheme.lower() != 'basic':
        return None, None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    user, sep, password = decoded.partition(':')
    return (user, password) if sep else (None, None)


def _challenging(start_response):
    """git (through curl) sends credentials only after a Basic challenge:
    every 401 of a git route carries one."""
    def _start(status, headers, exc_info=None):
        if status.startswith('401'):
            headers = [h for h in headers
                       if h[0].lower() != 'www-authenticate']
            headers.append(_BASIC_CHALLENGE)
        return start_response(status, headers, exc_info)
    return _start


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
        environ.pop(DEPLOY_TOKEN_ENVIRON, None)
        path = environ.get('PATH_INFO', '')
        if is_public(path, environ.get('REQUEST_METHOD')):
            return self.application(environ, start_response)
        if is_git(path):
            return self._git(environ, _challenging(start_response))
        return self.protected(environ, start_response)

    def _git(self, environ, start_response):
        user, password = basic_credentials(environ)
        if user is None:
            return self.protected(environ, start_response)
        environ.pop('HTTP_AUTHORIZATION')
        if user != DEPLOY_TOKEN_USER:
            environ['HTTP_X_AUTH_TOKEN'] = password
            return self.protected(environ, start_response)
        # No Keystone identity on this path: drop any identity header a
        # client sent, so nothing downstream can mistake one for
        # auth_token's.
        for key in [k for k in environ if k.startswith('HTTP_X_')]:
            del environ[key]
        environ[DEPLOY_TOKEN_ENVIRON] = password
        return self.application(environ, start_response)


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
