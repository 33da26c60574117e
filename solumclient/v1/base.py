"""Shared by the resource managers."""

from urllib import parse


def quote(ident):
    return parse.quote(str(ident), safe='')


def iter_lines(response):
    """Lines of a streamed text response as they arrive."""
    yield from response.iter_lines(decode_unicode=True)


class Manager:
    def __init__(self, http):
        self.http = http
