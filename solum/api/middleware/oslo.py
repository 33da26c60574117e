"""oslo.middleware filters configured from Solum's own CONF."""

from oslo_middleware import cors
from oslo_middleware import healthcheck
from oslo_middleware import http_proxy_to_wsgi

from solum import conf

CONF = conf.CONF


def cors_factory(global_config, **local_config):
    def _filter(application):
        return cors.CORS(application, CONF)
    return _filter


def http_proxy_to_wsgi_factory(global_config, **local_config):
    def _filter(application):
        return http_proxy_to_wsgi.HTTPProxyToWSGI(application, CONF)
    return _filter


def healthcheck_factory(global_config, **local_config):
    """Serves /healthcheck (public) with oslo.middleware's health app."""
    health = healthcheck.Healthcheck.app_factory(global_config,
                                                 **local_config)

    def _filter(application):
        def _dispatch(environ, start_response):
            if environ.get('PATH_INFO', '').rstrip('/') == '/healthcheck':
                return health(environ, start_response)
            return application(environ, start_response)
        return _dispatch
    return _filter
