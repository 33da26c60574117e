"""solum-builder: the builder RPC server."""

from solum.common import service
from solum.common import workers


def main():
    service.prepare()
    worker = workers.builder()
    worker.start()
    service.wait_for_signal([worker.stop])
