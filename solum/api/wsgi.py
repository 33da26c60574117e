"""The API as a WSGI application, for a web server (uWSGI, mod_wsgi) to
serve, as DevStack serves every OpenStack API.

``solum-api`` serves the same application with its own HTTP server; this
entry point is for deployments where the web server owns the socket:

* ``solum.wsgi.api:application`` for uWSGI's ``module`` option;
* the ``solum-api-wsgi`` script (pbr ``wsgi_scripts``) for
  ``wsgi-file`` or mod_wsgi's ``WSGIScriptAlias``.

The configuration is read from ``$OS_SOLUM_CONFIG_DIR/solum.conf``
(default ``/etc/solum``) or from the files listed, separated by ``;``, in
``$OS_SOLUM_CONFIG_FILES``, since a web server passes no command line.
``auth_strategy = noauth`` is refused: the web server chooses the
address it listens on, so the API cannot keep an unauthenticated
administrator's API on loopback.
"""

import os
import threading

from solum import conf
from solum.api import app as api_app
from solum.common import exception
from solum.common import service

CONF = conf.CONF

DEFAULT_CONFIG_DIR = '/etc/solum'
CONFIG_FILE = 'solum.conf'

_lock = threading.Lock()
_application = None


def config_files(environ=None):
    """The configuration files the WSGI application reads."""
    environ = os.environ if environ is None else environ
    listed = environ.get('OS_SOLUM_CONFIG_FILES', '')
    if listed.strip():
        return [p.strip() for p in listed.split(';') if p.strip()]
    directory = environ.get('OS_SOLUM_CONFIG_DIR') or DEFAULT_CONFIG_DIR
    return [os.path.join(directory, CONFIG_FILE)]


def init_application():
    """Parse the configuration once and return the API's WSGI app."""
    global _application
    with _lock:
        if _application is None:
            files = config_files()
            missing = [p for p in files if not os.path.exists(p)]
            if missing:
                raise exception.ConfigInvalid(
                    reason='configuration file(s) %s not found (set '
                           'OS_SOLUM_CONFIG_DIR or OS_SOLUM_CONFIG_FILES)'
                           % ', '.join(missing))
            service.prepare(argv=[], default_config_files=files)
            if CONF.auth_strategy == 'noauth':
                raise exception.ConfigInvalid(
                    reason='auth_strategy = noauth cannot be served by a '
                           'web server (it would serve every request as '
                           'an administrator on an address Solum does not '
                           'choose): use auth_strategy = keystone, or '
                           'solum-all on loopback')
            _application = api_app.load_app()
        return _application
