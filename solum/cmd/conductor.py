"""solum-conductor: the conductor RPC server."""

from solum.common import service
from solum.common import workers


def main():
    service.prepare()
    worker = workers.conductor()
    worker.start()
    service.wait_for_signal([worker.stop])
