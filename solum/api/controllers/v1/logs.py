"""Logs as content: a JSON list, plain text, or a stream that follows the
log until its workflow (or language pack build) ends."""

import time

import pecan
import webob

from solum import conf
from solum.api import views
from solum.api.controllers.v1 import common
from solum.db import api as db_api
from solum.db import types

CONF = conf.CONF
_PAGE = 1000


def _after_id():
    # Log line ids are BIGINT; the database cannot compare beyond.
    return common.int_param('since', 0, types.INT64_MAX, default=0,
                            meaning='a log line id')


def _text_line(line):
    return '%s [%s] %s\n' % (line.created_at.isoformat(timespec='seconds'),
                             line.stage, line.message)


def _wants_text():
    accept = pecan.request.accept
    best = accept.best_match(['application/json', 'text/plain'],
                             default_match='application/json')
    return best == 'text/plain'


def render(resource_uuid, is_finished, follow):
    """The log of ``resource_uuid``; ``is_finished()`` says when a followed
    stream may end."""
    after = _after_id()
    if follow:
        return webob.Response(
            content_type='text/plain', charset='utf-8',
            app_iter=_follow(resource_uuid, after, is_finished))
    lines = db_api.get_log_lines(None, resource_uuid, after_id=after,
                                 limit=CONF.api.max_limit * 10)
    if _wants_text():
        return webob.Response(content_type='text/plain', charset='utf-8',
                              text=''.join(_text_line(x) for x in lines))
    return webob.Response(
        content_type='application/json', charset='utf-8',
        json_body=[views.log_line(x) for x in lines])


def _follow(resource_uuid, after, is_finished):
    deadline = time.monotonic() + CONF.api.log_follow_timeout
    while True:
        # Read "finished" before the lines, so the last lines are not lost.
        finished = is_finished()
        while True:
            lines = db_api.get_log_lines(None, resource_uuid, after_id=after,
                                         limit=_PAGE)
            if lines:
                after = lines[-1].id
                yield ''.join(_text_line(x) for x in lines).encode()
            if len(lines) < _PAGE:
                break
        if finished or time.monotonic() > deadline:
            return
        time.sleep(CONF.api.log_follow_interval)
