"""solum-deployer: the deployer RPC server."""

from solum.common import service
from solum.common import workers


def main():
    service.prepare()
    worker = workers.deployer()
    worker.start()
    service.wait_for_signal([worker.stop])
