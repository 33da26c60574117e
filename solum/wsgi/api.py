"""``solum.wsgi.api:application``: the API for uWSGI's ``module`` option
(see solum.api.wsgi). Importing this module reads the configuration."""

from solum.api import wsgi

application = wsgi.init_application()
