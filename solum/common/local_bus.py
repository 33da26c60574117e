"""The in-process message bus of ``rpc_transport = local`` (solum-all).

oslo.messaging's ``fake`` driver passes messages in memory, but its
listeners look for them every 50 ms (``time.sleep(0.05)`` between
polls): every hand-over between the conductor, the builder and the
deployer waited 25 ms on average, 50 ms at worst, and a build + deploy
workflow makes six of them before its new replica starts.  This driver
is the fake one with listeners that wait on a condition the delivery of
a message wakes: a message is taken as soon as it is sent.
"""

import threading
import time

from oslo_messaging import transport as msg_transport
from oslo_messaging._drivers import base
from oslo_messaging._drivers import impl_fake

# Longest wait between two looks at the queues without a wake-up (a stop,
# or a delivery missed by a bug: the fake driver's own cadence, bounded).
IDLE_WAIT = 0.5


class _Exchange(impl_fake.FakeExchange):

    def __init__(self, name, arrived):
        super().__init__(name)
        self._arrived = arrived

    def deliver_message(self, topic, ctxt, message, server=None,
                        fanout=False, reply_q=None):
        # A requeue comes back through here, so it wakes listeners too.
        super().deliver_message(topic, ctxt, message, server=server,
                                fanout=fanout, reply_q=reply_q)
        with self._arrived:
            self._arrived.notify_all()


class _ExchangeManager(impl_fake.FakeExchangeManager):
    # Shared by the transports of one process, as the fake driver's are
    # (its own, not the fake driver's: they never mix).
    _exchanges_lock = threading.Lock()
    _exchanges = {}
    arrived = threading.Condition()

    def get_exchange(self, name):
        if name is None:
            name = self._default_exchange
        with self._exchanges_lock:
            exchange = self._exchanges.get(name)
            if exchange is None:
                exchange = self._exchanges[name] = _Exchange(name,
                                                             self.arrived)
            return exchange


class _Listener(impl_fake.FakeListener):

    @base.batch_poll_helper
    def poll(self, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        arrived = self._exchange_manager.arrived
        while not self._stopped.is_set():
            # Looking and waiting under the condition: a delivery after
            # the look notifies once this waits, so none is missed.
            with arrived:
                for target in self._targets:
                    exchange = self._exchange_manager.get_exchange(
                        target.exchange)
                    ctxt, message, reply_q, requeue = exchange.poll(
                        target, self._pool)
                    if message is not None:
                        return impl_fake.FakeIncomingMessage(
                            ctxt, message, reply_q, requeue)
                wait = IDLE_WAIT
                if deadline is not None:
                    wait = min(wait, deadline - time.monotonic())
                    if wait <= 0:
                        return None
                arrived.wait(wait)
        return None

    def stop(self):
        super().stop()
        arrived = self._exchange_manager.arrived
        with arrived:
            arrived.notify_all()


class LocalDriver(impl_fake.FakeDriver):
    """The fake driver, its listeners woken by each delivery."""

    def __init__(self, conf, url, default_exchange=None,
                 allowed_remote_exmods=None):
        super().__init__(conf, url, default_exchange,
                         allowed_remote_exmods)
        self._exchange_manager = _ExchangeManager(default_exchange)

    def listen(self, target, batch_size, batch_timeout):
        exchange = target.exchange or self._default_exchange
        listener = _Listener(self._exchange_manager, [
            impl_fake.oslo_messaging.Target(
                topic=target.topic, server=target.server,
                exchange=exchange),
            impl_fake.oslo_messaging.Target(topic=target.topic,
                                            exchange=exchange)])
        return base.PollStyleListenerAdapter(listener, batch_size,
                                             batch_timeout)

    def listen_for_notifications(self, targets_and_priorities, pool,
                                 batch_size, batch_timeout):
        targets = [impl_fake.oslo_messaging.Target(
            topic='%s.%s' % (target.topic, priority),
            exchange=target.exchange)
            for target, priority in targets_and_priorities]
        listener = _Listener(self._exchange_manager, targets, pool)
        return base.PollStyleListenerAdapter(listener, batch_size,
                                             batch_timeout)


class LocalTransport(msg_transport.RPCTransport):
    """The RPC transport of ``fake:/`` URLs with LocalDriver in place of
    the fake driver oslo.messaging loaded (and checked) for it."""

    def __init__(self, driver):
        super().__init__(LocalDriver(
            driver.conf, driver._url,
            default_exchange=driver._default_exchange,
            allowed_remote_exmods=driver._allowed_remote_exmods))
