"""Keystone: the service user's session and the trusts apps are built and
deployed through."""

import re
import threading

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from oslo_log import log as logging

from solum import conf
from solum.common import exception
from solum.conf import service_auth

CONF = conf.CONF
LOG = logging.getLogger(__name__)

_lock = threading.Lock()
_service_auth = None


def _service_plugin():
    global _service_auth
    with _lock:
        if _service_auth is None:
            _service_auth = ks_loading.load_auth_from_conf_options(
                CONF, service_auth.GROUP)
            if _service_auth is None:
                raise exception.ConfigInvalid(
                    reason='[service_auth] is not configured: Solum needs '
                           'its service user to use Keystone trusts')
    return _service_auth


def reset():
    global _service_auth
    _service_auth = None


def service_session():
    return ks_loading.load_session_from_conf_options(
        CONF, service_auth.GROUP, auth=_service_plugin())


def _auth_url():
    """Keystone's v3 URL. [service_auth] auth_url may be versionless (as
    DevStack writes it: http://host/identity), which the generic password
    plugin resolves by discovery; trusts and trust-scoped tokens are made
    on /v3 itself."""
    _service_plugin()  # loading the plugin registers its options
    url = CONF[service_auth.GROUP].auth_url.rstrip('/')
    if not re.search(r'/v3(\.\d+)?$', url):
        url += '/v3'
    return url


def trusts_enabled():
    return CONF.auth_strategy == 'keystone' and CONF.trust.enabled


def create_trust(context):
    """The user (with their token, during their request) trusts the Solum
    service user on their project; returns the trust id."""
    roles = [r for r in CONF.trust.roles if r in (context.roles or [])]
    if not roles:
        raise exception.Forbidden(
            action='create apps without one of the roles %s to delegate '
                   'to Solum' % ', '.join(CONF.trust.roles))
    user_session = ks_session.Session(auth=v3.Token(
        auth_url=_auth_url(), token=context.auth_token,
        project_id=context.project_id))
    try:
        trustee = service_session().get_user_id()
        resp = user_session.post(_auth_url() + '/OS-TRUST/trusts', json={
            'trust': {'trustor_user_id': context.user_id,
                      'trustee_user_id': trustee,
                      'project_id': context.project_id,
                      'impersonation': True,
                      # Heat derives its own trust from this one.
                      'allow_redelegation': True,
                      'roles': [{'name': r} for r in roles]}})
    except ks_exc.ClientException as e:
        LOG.error('Creating a trust for user %s failed: %s',
                  context.user_id, e)
        raise exception.SolumException(
            'Keystone refused to create the trust Solum acts through: %s'
            % e)
    return resp.json()['trust']['id']


def trust_session(trust_id):
    """A session of the service user acting through ``trust_id``."""
    auth_url = _auth_url()
    options = CONF[service_auth.GROUP]
    auth = v3.Password(auth_url=auth_url, username=options.username,
                       password=options.password,
                       user_domain_id=options.user_domain_id,
                       user_domain_name=options.user_domain_name,
                       trust_id=trust_id)
    return ks_session.Session(auth=auth)


def delete_trust(trust_id):
    """Delete a trust; one already gone is fine."""
    session = trust_session(trust_id)
    try:
        session.delete(_auth_url() + '/OS-TRUST/trusts/%s' % trust_id)
    except ks_exc.NotFound:
        return
    except ks_exc.Unauthorized:
        # The trust itself is gone (or revoked): nothing left to delete.
        return
