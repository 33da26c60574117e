"""Errors that carry their HTTP status, so the API can answer them as-is."""


class SolumException(Exception):
    """Base of every error Solum raises on purpose.

    ``code`` is the HTTP status the API answers with; ``message`` is a
    format string filled from the keyword arguments.
    """

    message = 'An unknown error occurred.'
    code = 500

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            try:
                message = self.message % kwargs
            except (KeyError, TypeError):
                message = self.message
        self.msg = message
        super().__init__(message)

    def __str__(self):
        return self.msg


class BadRequest(SolumException):
    message = 'The request is not valid: %(reason)s'
    code = 400


class InvalidInput(BadRequest):
    message = '%(reason)s'


class NotAuthenticated(SolumException):
    message = 'Authentication is required.'
    code = 401


class Forbidden(SolumException):
    message = 'You are not allowed to %(action)s.'
    code = 403


class QuotaExceeded(Forbidden):
    message = ('Quota exceeded: %(resource)s limit of %(limit)d reached for '
               'this project.')


class NotFound(SolumException):
    message = '%(resource)s %(id)s could not be found.'
    code = 404


class Conflict(SolumException):
    message = '%(reason)s'
    code = 409


class AlreadyExists(Conflict):
    message = 'A %(resource)s named %(name)s already exists in this project.'


class InUse(Conflict):
    message = '%(resource)s %(id)s is in use by %(users)s.'


class RequestTooLarge(SolumException):
    message = ('The request body (%(size)s bytes) is larger than the limit '
               'of %(limit)d bytes.')
    code = 413


class UnsupportedMediaType(SolumException):
    message = ('Content type %(content_type)s is not supported here; use '
               'one of: %(supported)s.')
    code = 415


class NotAcceptable(SolumException):
    message = ('None of the requested media types can be produced; use '
               'one of: %(supported)s.')
    code = 406


class ConfigInvalid(SolumException):
    message = 'Invalid configuration: %(reason)s'


class NotSupported(SolumException):
    """A resource of the v1 API that this deployment does not offer."""
    message = '%(resource)s are not supported by this deployment: %(reason)s'
    code = 501
