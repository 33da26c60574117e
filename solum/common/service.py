"""Start-up shared by every console script."""

import ipaddress
import os
import signal
import socket
import sys
import threading

from oslo_log import log as logging

from solum import conf
from solum import version
from solum.common import exception
from solum.conf import opts

CONF = conf.CONF
LOG = logging.getLogger(__name__)


def prepare(argv=None, default_config_files=None):
    """Parse configuration and set up logging; make the state directory."""
    logging.register_options(CONF)
    opts.set_defaults()
    CONF(argv if argv is not None else sys.argv[1:], project='solum',
         version=version.version_info.version_string(),
         default_config_files=default_config_files)
    logging.setup(CONF, 'solum')
    os.makedirs(CONF.state_path, exist_ok=True)


def is_loopback(host):
    """True when ``host`` (a name or an address) is only on loopback."""
    try:
        infos = socket.getaddrinfo(host, None)
    except socket.gaierror:
        return False
    return all(ipaddress.ip_address(info[4][0].split('%')[0]).is_loopback
               for info in infos)


def check_listen_address(host):
    if CONF.auth_strategy == 'noauth' and not is_loopback(host):
        raise exception.ConfigInvalid(
            reason='auth_strategy = noauth serves every request as an '
                   'administrator, so the API only listens on loopback; '
                   '[api] host = %s is not. Use 127.0.0.1, or '
                   'auth_strategy = keystone.' % host)


def wait_for_signal(stop_callbacks):
    """Block until SIGTERM or SIGINT, then run the stop callbacks."""
    done = threading.Event()

    def _handler(signum, frame):
        LOG.info('Received signal %d, stopping', signum)
        done.set()

    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)
    while not done.wait(1):
        pass
    for callback in stop_callbacks:
        try:
            callback()
        except Exception:
            LOG.exception('Error while stopping')
