"""Refuses request bodies over [api] max_body_size (webhook deliveries:
[api] webhook_max_body; pushes to a git remote: [quota]
git_repository_mb) with 413, before the application reads them."""

import webob.dec

from solum import conf
from solum.api.middleware import auth
from solum.api.middleware import base
from solum.api.middleware import fault
from solum.common import exception

CONF = conf.CONF


class BodySizeLimit(base.Middleware):

    @webob.dec.wsgify
    def __call__(self, request):
        limit = CONF.api.max_body_size
        if auth.is_webhook(request.environ.get('PATH_INFO', ''),
                           request.environ.get('REQUEST_METHOD')):
            limit = CONF.api.webhook_max_body
        elif auth.is_git(request.environ.get('PATH_INFO', '')):
            # A push's pack; the repository's quota is checked again on
            # what it would hold (solum.api.git_push).
            limit = max(CONF.quota.git_repository_mb, 1) * 1024 * 1024 \
                if CONF.quota.git_repository_mb >= 0 else 2 ** 40
        length = request.content_length
        if length is None and request.is_body_readable:
            # Chunked body: read at most limit + 1 bytes to decide.
            data = request.body_file.read(limit + 1)
            if len(data) > limit:
                length = 'more than %d' % limit
            else:
                request.body = data
        if isinstance(length, str) or (length or 0) > limit:
            error = exception.RequestTooLarge(size=length, limit=limit)
            return fault.FaultWrapper._fault(413, str(error))
        return request.get_response(self.application)
