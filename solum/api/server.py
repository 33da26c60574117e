"""The API's HTTP server: cheroot (threaded, streams responses), in one
process or in several worker processes sharing the port."""

import os
import signal
import threading
import time

from cheroot import wsgi
from oslo_log import log as logging

from solum import conf
from solum.api import app as api_app
from solum.common import service

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class APIServer:
    def __init__(self, host=None, port=None, reuse_port=False):
        self.host = host or CONF.api.host
        self.port = CONF.api.port if port is None else port
        service.check_listen_address(self.host)
        self.server = wsgi.Server((self.host, self.port), api_app.load_app(),
                                  numthreads=CONF.api.threads,
                                  server_name='solum-api',
                                  reuse_port=reuse_port)

    def start(self):
        """Bind and serve in a background thread; returns once bound."""
        self.server.prepare()
        self.port = self.server.bind_addr[1]
        self._thread = threading.Thread(target=self.server.serve,
                                        name='solum-api', daemon=True)
        self._thread.start()
        LOG.info('Solum API listening on http://%s:%d (auth_strategy=%s)',
                 self.host, self.port, CONF.auth_strategy)

    def stop(self):
        self.server.stop()


def _run_worker():
    api = APIServer(reuse_port=True)
    api.start()
    service.wait_for_signal([api.stop])
    os._exit(0)


def serve_workers(count):
    """Fork ``count`` workers on one SO_REUSEPORT port; replace any that
    dies; stop them all on SIGTERM/SIGINT."""
    service.check_listen_address(CONF.api.host)
    children = set()
    stopping = threading.Event()

    def _spawn():
        pid = os.fork()
        if pid == 0:
            try:
                _run_worker()
            finally:
                os._exit(1)
        children.add(pid)

    def _stop(signum, frame):
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    for _ in range(count):
        _spawn()
    LOG.info('Started %d API workers', count)
    while not stopping.is_set():
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            children.discard(pid)
            if not stopping.is_set():
                LOG.warning('API worker %d exited (%d); starting another',
                            pid, status)
                _spawn()
        else:
            time.sleep(0.5)
    for pid in children:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for pid in children:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
