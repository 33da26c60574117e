"""Signed webhook deliveries: which provider sent one, whether its
signature holds, and whether it is a push that should start the app's
workflow. Pure functions of the headers, the raw body and the app; the
API controller (solum.api.controllers.v1.webhooks) does the rest.

Providers:

* GitHub: ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>``,
  ``X-GitHub-Event`` (``ping``, ``push``, ...), ``X-GitHub-Delivery``.
* GitLab: ``X-Gitlab-Token`` (the secret itself), ``X-Gitlab-Event``
  (``Push Hook``, ...), ``X-Gitlab-Event-UUID`` when it sends one.
* Gitea (and Forgejo): ``X-Gitea-Signature: <hex HMAC-SHA256>``,
  ``X-Gitea-Event``, ``X-Gitea-Delivery``.
* Generic (a script, a git hook): ``X-Solum-Signature: sha256=<hex>``,
  ``X-Solum-Event`` (default ``push``), ``X-Solum-Delivery``; the payload
  has GitHub's push fields (``ref``, ``after``, ``repository.clone_url``
  or ``repository.url``).

Every comparison is hmac.compare_digest. Nothing here contacts a URL of
the payload: they are only compared with the app's repository.
"""

import hashlib
import hmac
import re
import secrets
import urllib.parse

GITHUB = 'github'
GITLAB = 'gitlab'
GITEA = 'gitea'
GENERIC = 'generic'

_HEX_SHA256 = re.compile(r'^[0-9a-f]{64}$')
_SHA = re.compile(r'^[0-9a-f]{40}([0-9a-f]{24})?$')
_ZERO = re.compile(r'^0+$')
_DELIVERY = re.compile(r'^[A-Za-z0-9._:-]{1,100}$')


class Refused(Exception):
    """A delivery refused; ``code`` is the HTTP status."""

    def __init__(self, code, reason):
        super().__init__(reason)
        self.code = code
        self.reason = reason


def new_secret():
    return secrets.token_urlsafe(32)


def sign(secret, body):
    """Hex HMAC-SHA256 of ``body`` (bytes) with ``secret`` (str)."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _header(headers, name):
    value = headers.get(name)
    return value.strip() if isinstance(value, str) else None


def provider(headers):
    """The provider whose signature header the delivery carries, or
    Refused(401) when it has none."""
    if _header(headers, 'X-Hub-Signature-256'):
        return GITHUB
    if _header(headers, 'X-Gitea-Signature'):
        return GITEA
    if _header(headers, 'X-Gitlab-Token'):
        return GITLAB
    if _header(headers, 'X-Solum-Signature'):
        return GENERIC
    raise Refused(401, 'the delivery is not signed: send X-Hub-Signature-'
                       '256, X-Gitlab-Token, X-Gitea-Signature or '
                       'X-Solum-Signature')


def _hex_digest(value, prefixed):
    """The hex digest of a signature header, or None if malformed."""
    if prefixed:
        scheme, _, value = value.partition('=')
        if scheme.strip().lower() != 'sha256':
            return None
    value = value.strip().lower()
    return value if _HEX_SHA256.match(value) else None


def verify(headers, body, secret):
    """Refused(401) unless the delivery is signed with ``secret``;
    returns the provider."""
    kind = provider(headers)
    if not secret:
        raise Refused(401, 'the app has no webhook secret: create one with '
                           'POST /v1/apps/{app}/webhook/secret')
    if kind == GITLAB:
        given = _header(headers, 'X-Gitlab-Token').encode()
        ok = hmac.compare_digest(given, secret.encode())
    else:
        name, prefixed = {GITHUB: ('X-Hub-Signature-256', True),
                          GITEA: ('X-Gitea-Signature', False),
                          GENERIC: ('X-Solum-Signature', True)}[kind]
        given = _hex_digest(_header(headers, name), prefixed)
        expected = sign(secret, body)
        # Compared even when malformed, so timing says nothing.
        ok = hmac.compare_digest((given or '').encode(), expected.encode()) \
            and given is not None
    if not ok:
        raise Refused(401, 'the signature does not match the app\'s '
                           'webhook secret')
    return kind


def delivery_id(kind, headers):
    """The provider's delivery id, or None (GitLab before 15)."""
    name = {GITHUB: 'X-GitHub-Delivery', GITEA: 'X-Gitea-Delivery',
            GITLAB: 'X-Gitlab-Event-UUID',
            GENERIC: 'X-Solum-Delivery'}[kind]
    value = _header(headers, name)
    if not value:
        if kind == GITLAB:
            return None
        raise Refused(400, '%s is missing: deliveries are received once by '
                           'their id' % name)
    if not _DELIVERY.match(value):
        raise Refused(400, '%s is not a delivery id' % name)
    return value


def body_digest(body):
    """What a replay of the same signed body is recognised by, whatever
    delivery id it is sent with (the id is not signed)."""
    return 'sha256:' + hashlib.sha256(body).hexdigest()[:64]


def event(kind, headers):
    """'ping', 'push', or the provider's own event name."""
    name = {GITHUB: 'X-GitHub-Event', GITEA: 'X-Gitea-Event',
            GITLAB: 'X-Gitlab-Event', GENERIC: 'X-Solum-Event'}[kind]
    value = (_header(headers, name) or '').lower()
    if kind == GENERIC and not value:
        return 'push'
    if kind == GITLAB:
        return {'push hook': 'push', 'system hook': 'system'}.get(value,
                                                                  value)
    return value


def normalize_url(url):
    """A repository URL compared loosely: no scheme, user, port of the
    default, trailing slash or ``.git``; host in lower case. scp-like
    ``git@host:path`` is ``host/path``."""
    if not isinstance(url, str) or not url.strip():
        return None
    url = url.strip()
    if '://' not in url:
        match = re.match(r'^(?:[^@/]+@)?([^:/]+):(.+)$', url)
        if match:
            url = 'ssh://%s/%s' % match.groups()
        else:
            url = 'file://' + url
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or '').lower()
    port = parts.port if parts.scheme not in ('file',) else None
    if port in (22, 80, 443, 9418):
        port = None
    path = re.sub(r'/+', '/', parts.path).rstrip('/')
    if path.endswith('.git'):
        path = path[:-4]
    if host:
        path = path.lstrip('/')
        return '%s%s/%s' % (host, ':%d' % port if port else '', path)
    return path


def payload_urls(payload):
    """Every repository URL a push payload names."""
    urls = []
    for key in ('repository', 'project'):
        repo = payload.get(key)
        if not isinstance(repo, dict):
            continue
        for field in ('clone_url', 'git_url', 'ssh_url', 'html_url', 'url',
                      'git_http_url', 'git_ssh_url', 'http_url', 'homepage',
                      'web_url'):
            value = repo.get(field)
            if isinstance(value, str):
                urls.append(value)
    return urls


def tracked_branch(app_source, payload):
    """The branch pushes to which deploy: the app's revision, or the
    repository's default branch (as the payload names it) when the app
    follows HEAD."""
    revision = (app_source or {}).get('revision')
    if revision:
        if revision.startswith('refs/heads/'):
            return revision[len('refs/heads/'):]
        return revision
    repo = payload.get('repository')
    if isinstance(repo, dict) and isinstance(repo.get('default_branch'),
                                             str):
        return repo['default_branch']
    return None


def push_commit(app_source, payload):
    """(commit, None) when a push payload should start the app's
    workflow on that commit, else (None, why not)."""
    if not isinstance(payload, dict):
        return None, 'the payload is not a JSON object'
    wanted = normalize_url((app_source or {}).get('repository'))
    named = {normalize_url(u) for u in payload_urls(payload)} - {None}
    if not named:
        return None, 'the payload names no repository'
    if wanted not in named:
        return None, 'the push is to another repository than the app\'s'
    ref = payload.get('ref')
    if not isinstance(ref, str) or not ref:
        return None, 'the payload has no ref'
    if not ref.startswith('refs/heads/'):
        return None, 'the push is to %s, not a branch' % ref
    branch = tracked_branch(app_source, payload)
    if branch is None:
        return None, ('the app follows the default branch and the payload '
                      'does not say which it is')
    if ref != 'refs/heads/' + branch:
        return None, 'the push is to %s; the app tracks refs/heads/%s' % (
            ref, branch)
    after = payload.get('after') or payload.get('checkout_sha')
    if not isinstance(after, str) or not _SHA.match(after.lower()):
        return None, 'the payload has no pushed commit (after)'
    if _ZERO.match(after):
        return None, 'the push deleted the branch'
    return after.lower(), None
