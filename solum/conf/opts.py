"""Entry points for oslo-config-generator."""

import collections

from oslo_log import log

import solum.conf  # noqa: F401  (registers everything)
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

_MODULES = (default, database, api, conductor, builder, deployer, git,
            heat, quota, security, service_auth, coordination, upgrade_levels)


def list_opts():
    grouped = collections.defaultdict(list)
    for module in _MODULES:
        for group, opts in module.list_opts().items():
            name = getattr(group, 'name', group)
            grouped[name].extend(opts)
    return [(name, opts) for name, opts in grouped.items()]


def set_defaults():
    log.set_defaults(default_log_levels=log.get_default_log_levels() + [
        'pecan=WARN', 'cheroot=WARN', 'alembic=WARN'])
