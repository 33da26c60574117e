"""RPC servers for the conductor, builder and deployer."""

import threading

from oslo_log import log as logging

from solum import conf
from solum.builder import manager as builder_manager
from solum.common import rpc
from solum.conductor import manager as conductor_manager
from solum.deployer import manager as deployer_manager

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class Worker:
    """One RPC topic served by one manager."""

    def __init__(self, name, topic, manager):
        self.name = name
        self.manager = manager
        self.topic = topic
        self.server = rpc.get_server(topic, [manager])

    def start(self):
        self.server.start()
        if hasattr(self.manager, 'start'):
            self.manager.start()
        LOG.info('%s serving topic %s', self.name, self.topic)

    def stop(self, wait=True):
        if hasattr(self.manager, 'stop'):
            self.manager.stop()
        self.server.stop()
        if wait:
            self.server.wait()

    def wait(self):
        self.server.wait()


def stop_all(workers):
    """Stop several workers at once: each takes up to its executor's idle
    timeout (1 s) to wind down, so they wait side by side."""
    for worker in workers:
        worker.stop(wait=False)
    waiters = [threading.Thread(target=worker.wait) for worker in workers]
    for waiter in waiters:
        waiter.start()
    for waiter in waiters:
        waiter.join()


def conductor():
    return Worker('solum-conductor', CONF.conductor.topic,
                  conductor_manager.ConductorManager())


def builder():
    return Worker('solum-builder', CONF.builder.topic,
                  builder_manager.BuilderManager())


def deployer():
    return Worker('solum-deployer', CONF.deployer.topic,
                  deployer_manager.DeployerManager())
