"""The in-process bus of rpc_transport = local: messages are taken as
soon as they are sent, not at the fake driver's 50 ms polls."""

import statistics
import threading
import time

import oslo_messaging as messaging

from solum.common import context as solum_context
from solum.common import local_bus
from solum.common import rpc
from solum.tests import base


class Endpoint:
    target = messaging.Target(version='1.0')

    def __init__(self):
        self.arrivals = []
        self.arrived = threading.Condition()

    def ping(self, context, sent):
        with self.arrived:
            self.arrivals.append(time.monotonic() - sent)
            self.arrived.notify_all()

    def echo(self, context, value):
        return value

    def wait_for(self, count, timeout=10):
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.arrivals) >= count,
                                  timeout)
        return list(self.arrivals)


class TestLocalBus(base.TestCase):

    def setUp(self):
        super().setUp()
        self.addCleanup(rpc.cleanup)
        self.context = solum_context.RequestContext(project_id='p1')
        self.endpoint = Endpoint()
        self.server = rpc.get_server('solum-bus-test', [self.endpoint])
        self.server.start()
        self.addCleanup(self.server.wait)
        self.addCleanup(self.server.stop)
        self.client = rpc.get_client('solum-bus-test', '1.0')

    def test_local_transport_is_the_woken_driver(self):
        self.assertIsInstance(rpc.get_transport()._driver,
                              local_bus.LocalDriver)

    def test_a_cast_is_taken_at_once(self):
        # The fake driver took 25 ms on average (a 50 ms poll): well under
        # that, over messages sent one after another.
        for i in range(20):
            self.client.cast(self.context, 'ping', sent=time.monotonic())
            self.endpoint.wait_for(i + 1)
            time.sleep(0.003)
        latencies = self.endpoint.wait_for(20)
        self.assertEqual(20, len(latencies))
        self.assertLess(statistics.median(latencies), 0.015)

    def test_calls_answer(self):
        self.assertEqual({'a': 1}, self.client.call(self.context, 'echo',
                                                    value={'a': 1}))

    def test_messages_sent_at_once_all_arrive(self):
        senders = [threading.Thread(target=lambda: [
            self.client.cast(self.context, 'ping', sent=time.monotonic())
            for _i in range(10)]) for _t in range(4)]
        for s in senders:
            s.start()
        for s in senders:
            s.join()
        self.assertEqual(40, len(self.endpoint.wait_for(40)))

    def test_a_stopped_server_stops_promptly(self):
        started = time.monotonic()
        self.server.stop()
        self.server.wait()
        self.assertLess(time.monotonic() - started, local_bus.IDLE_WAIT)
