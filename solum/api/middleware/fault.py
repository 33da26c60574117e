"""Makes every error response a JSON fault, including Pecan's own 404/405
and unexpected exceptions (which are logged, never shown)."""

import json

import webob
import webob.dec
from oslo_log import log as logging

from solum.api import hooks
from solum.api.middleware import base

LOG = logging.getLogger(__name__)

_DEFAULT_MESSAGES = {
    400: 'The request is not valid.',
    401: 'Authentication is required.',
    403: 'Access was denied to this resource.',
    404: 'The resource could not be found.',
    405: 'This method is not allowed on this resource.',
    406: 'The requested media type cannot be produced.',
    413: 'The request body is too large.',
    415: 'The content type is not supported.',
}


class FaultWrapper(base.Middleware):
    @webob.dec.wsgify
    def __call__(self, request):
        try:
            response = request.get_response(self.application)
        except Exception:
            # The raw path: decoding it could fail here too.
            LOG.exception('Unexpected error serving %s %s', request.method,
                          request.environ.get('PATH_INFO'))
            return self._fault(500, 'The server could not complete the '
                                    'request; see the solum-api log.')
        if response.status_int >= 400 and not _is_fault(response):
            return self._fault(response.status_int,
                               _message_of(response),
                               headers=response.headers)
        return response

    @staticmethod
    def _fault(status, message, headers=None):
        response = webob.Response(status=status,
                                  content_type='application/json',
                                  charset='utf-8')
        for name in ('WWW-Authenticate', 'Allow'):
            if headers and name in headers:
                response.headers[name] = headers[name]
        response.text = json.dumps(hooks.fault_body(status, message,
                                                    status < 500))
        return response


def _json_body(response):
    if not (response.content_type or '').endswith('json'):
        return None
    try:
        return json.loads(response.body)
    except ValueError:
        return None


def _is_fault(response):
    body = _json_body(response)
    return isinstance(body, dict) and 'faultstring' in body


def _message_of(response):
    """The message of an error from a middleware (auth_token answers
    {"error": {"message": ...}}), or a default for its status."""
    body = _json_body(response)
    if isinstance(body, dict) and isinstance(body.get('error'), dict):
        message = body['error'].get('message')
        if message:
            return message
    return _DEFAULT_MESSAGES.get(response.status_int,
                                 response.status.split(' ', 1)[-1])
