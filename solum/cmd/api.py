"""solum-api: the REST API."""

import sys

from solum import conf
from solum.api import server
from solum.common import exception
from solum.common import service

CONF = conf.CONF


def main():
    service.prepare()
    try:
        if CONF.api.workers > 1:
            server.serve_workers(CONF.api.workers)
            return
        api = server.APIServer()
    except exception.ConfigInvalid as e:
        sys.exit(str(e))
    api.start()
    service.wait_for_signal([api.stop])
