"""Errors carrying the API's own faultstring, by HTTP status."""


# The error class of each HTTP status that has one; filled in by the
# classes below as they declare their status.
_BY_STATUS = {}


class ClientException(Exception):
    """The Solum API refused a request."""

    status_code = None

    def __init_subclass__(cls, status=None, **kwargs):
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status_code = status
            _BY_STATUS[status] = cls

    def __init__(self, message, status_code=None, url=None, method=None):
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.url = url
        self.method = method

    def __str__(self):
        return self.message


class BadRequest(ClientException, status=400):
    pass


class Unauthorized(ClientException, status=401):
    pass


class Forbidden(ClientException, status=403):
    pass


class NotFound(ClientException, status=404):
    pass


class NotAcceptable(ClientException, status=406):
    pass


class Conflict(ClientException, status=409):
    pass


class RequestTooLarge(ClientException, status=413):
    pass


class UnsupportedMediaType(ClientException, status=415):
    pass


class ServerError(ClientException, status=500):
    """Any 5xx (one without a class of its own)."""


class ConnectionFailed(ClientException):
    """The API could not be reached at all."""


def from_response(response, method, url):
    try:
        body = response.json()
    except ValueError:
        body = None
    message = None
    if isinstance(body, dict):
        message = body.get('faultstring')
        if message is None and isinstance(body.get('error'), dict):
            message = body['error'].get('message')
    if not message:
        message = '%s %s' % (response.status_code, response.reason)
    cls = _BY_STATUS.get(response.status_code)
    if cls is None:
        cls = ServerError if response.status_code >= 500 else \
            ClientException
    return cls(message, status_code=response.status_code, url=url,
               method=method)
