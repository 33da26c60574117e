"""The WSGI application: a paste pipeline around the Pecan app."""

import os

import pecan
import webob
from oslo_config import cfg
from paste import deploy
from pecan import core as pecan_core
from pecan import rest as pecan_rest
from pecan import routing as pecan_routing
from pecan import util as pecan_util
from webob import multidict

from solum import conf
from solum.api import hooks
from solum.api.controllers import root
from solum.common import exception

CONF = conf.CONF


class Request(pecan_core.Request):
    """Pecan's request without two habits that turn client errors into
    logged tracebacks or 500s before any validation runs: Pecan parses a
    JSON or form body itself (to map it onto controller arguments, which
    Solum's controllers do not take), and it logs every UnicodeDecodeError
    before answering a bare 400. The body is read by solum.api.validation
    alone."""

    def __getattribute__(self, name):
        try:
            return webob.Request.__getattribute__(self, name)
        except UnicodeDecodeError:
            raise exception.BadRequest(
                reason='the request path or query string is not UTF-8; '
                       'percent-encode UTF-8 bytes')

    @property
    def json_body(self):
        # Pecan then falls back to POST, which is empty.
        raise ValueError('the body is read by solum.api.validation')

    json = json_body

    @property
    def POST(self):
        return multidict.NoVars(
            'the body is read by solum.api.validation')


class HeadAsGet:
    """Answers HEAD as GET without the body. Pecan routes a RestController
    only to the methods it defines, so HEAD was a 405 everywhere."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if environ.get('REQUEST_METHOD') != 'HEAD':
            return self.application(environ, start_response)
        response = webob.Request(dict(environ, REQUEST_METHOD='GET')
                                 ).get_response(self.application)
        # webob sends no body for HEAD, and closes a streamed one unread.
        return response(environ, start_response)


def _remember_argspecs():
    """Pecan 1.x asks inspect for a controller's argspec several times per
    request, building a new namedtuple class each time: about a tenth of
    a small request's CPU. An argspec never changes, so remember it."""
    if getattr(pecan_util.getargspec, 'solum_cached', False):
        return
    original = pecan_util.getargspec
    cache = {}

    def getargspec(method):
        key = getattr(method, '__func__', method)
        spec = cache.get(key)
        if spec is None:
            spec = cache[key] = original(method)
        return spec

    getargspec.solum_cached = True
    for module in (pecan_core, pecan_rest, pecan_routing, pecan_util):
        module.getargspec = getargspec


def setup_app():
    _remember_argspecs()
    return HeadAsGet(pecan.make_app(
        root.RootController(),
        hooks=[hooks.NoMethodOverrideHook(), hooks.BaseURLHook(),
               hooks.ContextHook(), hooks.ErrorHook()],
        force_canonical=False,
        guess_content_type_from_ext=False,
        request_cls=Request,
        logging={}))


def app_factory(global_config, **local_config):
    return setup_app()


def pipeline_factory(loader, global_conf, **local_conf):
    """Picks the pipeline named after [DEFAULT] auth_strategy."""
    pipeline = local_conf[CONF.auth_strategy].split()
    filters = [loader.get_filter(name) for name in pipeline[:-1]]
    application = loader.get_app(pipeline[-1])
    for wrap in reversed(filters):
        application = wrap(application)
    return application


def _paste_file():
    path = CONF.api.api_paste_config
    if not os.path.isabs(path):
        found = CONF.find_file(path)
        if found is None:
            here = os.path.join(os.path.dirname(__file__), '..', '..',
                                'etc', 'solum', path)
            found = os.path.abspath(here) if os.path.exists(here) else None
        if found is None:
            raise cfg.ConfigFilesNotFoundError([path])
        path = found
    return os.path.abspath(path)


def load_app():
    return deploy.loadapp('config:%s' % _paste_file(), name='main')
