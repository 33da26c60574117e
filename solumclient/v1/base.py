"""Shared by the resource managers."""

from urllib import parse


def quote(ident):
    return parse.quote(str(ident), safe='')


class Manager:
    def __init__(self, http):
        self.http = http

    def _follow(self, path, **params):
        """Lines of ``path`` streamed as text (``?follow=true``) as they
        arrive; the request goes out when the first line is asked for,
        and the response is closed when the lines end or are dropped."""
        response = self.http.get(path, params=dict(follow='true', **params),
                                 headers={'Accept': 'text/plain'},
                                 stream=True)
        try:
            yield from response.iter_lines(decode_unicode=True)
        finally:
            response.close()
