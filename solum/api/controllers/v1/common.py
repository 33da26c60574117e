"""Helpers every v1 controller uses."""

import pecan

from solum import conf
from solum.common import exception

CONF = conf.CONF


def context():
    return pecan.request.context


def base_url():
    return pecan.request.base_url


def int_param(name, minimum, maximum=None, default=None,
              meaning='an integer'):
    """An integer from the query string within [minimum, maximum] (no
    upper bound: None), or ``default`` when it is not given."""
    value = pecan.request.GET.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum or (
            maximum is not None and number > maximum):
        raise exception.BadRequest(reason='%s must be %s, at least %d%s' % (
            name, meaning, minimum,
            '' if maximum is None else ' and at most %d' % maximum))
    return number


def pagination():
    """limit and marker from the query string, checked."""
    limit = int_param('limit', 1, default=CONF.api.max_limit)
    return min(limit, CONF.api.max_limit), pecan.request.GET.get('marker')


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
