"""Helpers every v1 controller uses."""

import pecan

from solum import conf
from solum.common import exception

CONF = conf.CONF


def context():
    return pecan.request.context


def base_url():
    return pecan.request.base_url


def pagination():
    """limit and marker from the query string, checked."""
    params = pecan.request.GET
    limit = params.get('limit')
    if limit is not None:
        try:
            limit = int(limit)
        except ValueError:
            raise exception.BadRequest(reason='limit must be an integer')
        if limit < 1:
            raise exception.BadRequest(reason='limit must be at least 1')
    limit = min(limit or CONF.api.max_limit, CONF.api.max_limit)
    return limit, params.get('marker')


def flag(name):
    value = pecan.request.GET.get(name, 'false').lower()
    if value in ('1', 'true', 'yes', 'on'):
        return True
    if value in ('0', 'false', 'no', 'off', ''):
        return False
    raise exception.BadRequest(reason='%s must be true or false' % name)


def check_quota(resource, limit, count):
    if limit >= 0 and count >= limit:
        raise exception.QuotaExceeded(resource=resource, limit=limit)


def created(body):
    pecan.response.status = 201
    return body


def accepted():
    pecan.response.status = 202


def expose_as(*content_types):
    """Expose a handler that returns a webob Response itself, for every
    media type it can produce (Pecan refuses other Accept values)."""
    def decorator(func):
        for content_type in content_types:
            func = pecan.expose(content_type=content_type)(func)
        return func
    return decorator
