"""Solum configuration: one module per option group, all registered here."""

from oslo_config import cfg

from solum.conf import api
from solum.conf import builder
from solum.conf import conductor
from solum.conf import coordination
from solum.conf import database
from solum.conf import default
from solum.conf import deployer
from solum.conf import git
from solum.conf import heat
from solum.conf import quota
from solum.conf import security
from solum.conf import service_auth
from solum.conf import upgrade_levels

CONF = cfg.CONF

for _module in (default, api, builder, conductor, coordination, database,
                deployer, git, heat, quota, security, service_auth,
                upgrade_levels):
    _module.register_opts(CONF)
