"""Solum's own service user, and the Keystone trusts it acts through."""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = 'service_auth'

trust_group = cfg.OptGroup('trust', title='Keystone trusts',
                           help='When an app is created (auth_strategy = '
                                'keystone), its owner delegates roles to '
                                'the Solum service user with a trust, so '
                                'builds and deploys run after the user\'s '
                                'token has expired. No token is stored.')

trust_opts = [
    cfg.BoolOpt('enabled', default=True,
                help='Create a trust for every app (keystone mode only).'),
    cfg.ListOpt('roles', default=['member', 'reader'],
                help='Roles the trust delegates; only those the user has '
                     'are delegated. Heat makes its own trust from it, '
                     'so the implied roles (reader) must be listed too.'),
]


def register_opts(conf):
    ks_loading.register_auth_conf_options(conf, GROUP)
    ks_loading.register_session_conf_options(conf, GROUP)
    conf.register_group(trust_group)
    conf.register_opts(trust_opts, group=trust_group)


def list_opts():
    opts = (ks_loading.get_session_conf_options() +
            ks_loading.get_auth_common_conf_options() +
            ks_loading.get_auth_plugin_conf_options('password'))
    return {GROUP: opts, trust_group: trust_opts}
