"""solum-all: API, conductor, builder and deployer in one process.

The single-machine default: SQLite, an in-process RPC bus, the schema
upgraded on start.
"""

import sys

from oslo_log import log as logging

from solum import conf
from solum.api import server
from solum.common import exception
from solum.common import service
from solum.common import workers
from solum.db import migration

CONF = conf.CONF
LOG = logging.getLogger(__name__)


def main():
    CONF.set_default('rpc_transport', 'local')
    service.prepare()
    migration.upgrade()
    try:
        api = server.APIServer()
    except exception.ConfigInvalid as e:
        sys.exit(str(e))
    services = [workers.conductor(), workers.builder(), workers.deployer()]
    for worker in services:
        worker.start()
    api.start()
    service.wait_for_signal([api.stop,
                             lambda: workers.stop_all(services)])
