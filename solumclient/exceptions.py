"""Errors carrying the API's own faultstring, by HTTP status."""


class ClientException(Exception):
    """The Solum API refused a request."""

    status_code = None

    def __init__(self, message, status_code=None, url=None, method=None):
        super().__init__(message)
        self.message = message
        if status_code is not None:
            self.status_code = status_code
        self.url = url
        self.method = method

    def __str__(self):
        return self.message


class BadRequest(ClientException):
    status_code = 400


class Unauthorized(ClientException):
    status_code = 401


class Forbidden(ClientException):
    status_code = 403


class NotFound(ClientException):
    status_code = 404


class NotAcceptable(ClientException):
    status_code = 406


class Conflict(ClientException):
    status_code = 409


class RequestTooLarge(ClientException):
    status_code = 413


class UnsupportedMediaType(ClientException):
    status_code = 415


class ServerError(ClientException):
    status_code = 500


class ConnectionFailed(ClientException):
    """The API could not be reached at all."""


_BY_STATUS = {cls.status_code: cls for cls in (
    BadRequest, Unauthorized, Forbidden, NotFound, NotAcceptable, Conflict,
    RequestTooLarge, UnsupportedMediaType)}


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
