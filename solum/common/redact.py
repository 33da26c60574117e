"""Credentials out of what is logged, stored or shown."""

import re

# scheme://user[:password]@ anywhere in a text (a URL, or an error quoting
# one); greedy, so an unencoded "@" in a password is hidden too.
_USERINFO = re.compile(r'(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)'
                       r'(?P<user>[^:/@\s]*)(?P<password>:[^/\s]*)?@')
# Schemes whose user part alone is commonly a token (https://TOKEN@host).
_TOKEN_SCHEMES = ('http://', 'https://')


def url_credentials(text):
    """``text`` with the passwords of the URLs in it replaced by ***, and
    the user part of http(s) URLs too, where it is often a token."""
    def hide(match):
        scheme, user = match.group('scheme'), match.group('user')
        if match.group('password') is not None:
            return '%s%s:***@' % (scheme, user)
        if scheme.lower() in _TOKEN_SCHEMES:
            return '%s***@' % scheme
        return match.group(0)
    return _USERINFO.sub(hide, text)
