"""Request body parsing and validation: every failure is a clear 4xx."""

import datetime
import json
import math
import re
from urllib import parse

import jsonschema
import yaml

from solum.api import schemas
from solum.common import exception
from solum.common import redact
from solum.db import types

JSON_TYPES = ('application/json',)
YAML_TYPES = ('application/x-yaml', 'application/yaml', 'text/yaml',
              'text/x-yaml')
# Taken as YAML too, not offered: the Solum v1 client sends plans so.
YAML_ALIASES = ('x-application/yaml',)

_GIT_SCHEMES = ('https', 'http', 'ssh', 'git', 'file')
# user@host:path, as git and ssh accept it.
_SCP_LIKE = re.compile(
    r'^(?P<user>[A-Za-z0-9._-]+)@(?P<host>[A-Za-z0-9.-]+):[^\s]+$')
_NO_CREDENTIALS = ('credentials do not belong in a repository URL, where '
                   'they are stored and shown; for a private repository '
                   'use an ssh URL (git@host:path) with a deploy key in '
                   'source.private_ssh_key')
# Deeper than any request body needs; refused before anything walks it.
MAX_DEPTH = 32
_SURROGATE = re.compile('[\ud800-\udfff]')


class _NoAliasLoader(yaml.SafeLoader):
    """safe_load without anchors/aliases, which can blow a small document
    up into a huge one ("billion laughs")."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, 'YAML aliases are not accepted',
                event.start_mark)
        return super().compose_node(parent, index)


def parse_body(request, allow_yaml=False):
    """The request body as a Python object, from JSON (or YAML)."""
    content_type = (request.content_type or '').split(';')[0].strip().lower()
    supported = JSON_TYPES + (YAML_TYPES if allow_yaml else ())
    is_yaml = allow_yaml and (content_type in YAML_TYPES or
                              content_type in YAML_ALIASES)
    if content_type and content_type not in supported and not is_yaml:
        raise exception.UnsupportedMediaType(
            content_type=content_type, supported=', '.join(supported))
    body = request.body
    if not body.strip():
        raise exception.BadRequest(reason='the request body is empty')
    try:
        text = body.decode('utf-8')
    except UnicodeDecodeError:
        raise exception.BadRequest(reason='the request body is not UTF-8')
    try:
        document = _load(text, is_yaml)
    except RecursionError:
        raise exception.BadRequest(reason='the request body is nested too '
                                          'deeply')
    check_values(document)
    return document


def _load(text, is_yaml):
    if is_yaml:
        try:
            return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506
        except (yaml.YAMLError, ValueError) as e:
            # ValueError: a date-like scalar that is no date (2020-13-45).
            raise exception.BadRequest(reason='invalid YAML: %s' %
                                       _one_line(e))
    try:
        return json.loads(text, parse_constant=_not_json)
    except ValueError as e:
        raise exception.BadRequest(reason='invalid JSON: %s' % e)


def _not_json(name):
    # json.loads takes NaN and Infinity, which JSON has not (and orjson
    # would store as null).
    raise ValueError('%s is not a JSON value; give a number or a string' %
                     name)


def _one_line(error):
    return ' '.join(str(error).split())


def check_values(document):
    """Refuse what storage cannot hold and a schema cannot see: keys that
    are not strings and values that are not JSON (YAML dates, sets,
    binary), anywhere in the document; non-finite numbers; integers
    outside 64 bits; and strings with NUL or lone surrogates, which
    PostgreSQL and UTF-8 cannot take."""
    pending = [((), document)]
    while pending:
        path, value = pending.pop()
        if len(path) > MAX_DEPTH:
            raise exception.InvalidInput(
                reason='%s: nested more than %d levels deep' %
                (_where(path), MAX_DEPTH))
        problem = _value_problem(value)
        if problem:
            raise exception.InvalidInput(reason='%s: %s' % (_where(path),
                                                            problem))
        if isinstance(value, dict):
            for key, item in value.items():
                _check_key(path, key)
                pending.append((path + (key,), item))
        elif isinstance(value, list):
            pending.extend((path + (i,), v) for i, v in enumerate(value))


def _where(path):
    return '.'.join(str(p) for p in path) or 'body'


def _kind(value):
    """What YAML made of a scalar, as a user would say it."""
    for kind, name in ((bool, 'a boolean'), (int, 'an integer'),
                       (float, 'a number'), (type(None), 'null'),
                       (datetime.datetime, 'a timestamp'),
                       (datetime.date, 'a date'), (bytes, 'binary'),
                       (set, 'a set')):
        if isinstance(value, kind):
            return name
    return 'a %s' % type(value).__name__


def _check_key(path, key):
    if not isinstance(key, str):
        raise exception.InvalidInput(
            reason='%s: keys must be strings, and YAML read this one as '
                   '%s; quote it' % (_where(path + (key,)), _kind(key)))
    problem = _string_problem(key)
    if problem:
        raise exception.InvalidInput(reason='%s: the key %r: %s' % (
            _where(path), key, problem))


def _value_problem(value):
    if value is None or isinstance(value, (bool, dict, list)):
        return None
    if isinstance(value, str):
        return _string_problem(value)
    if isinstance(value, int):
        if not types.INT64_MIN <= value <= types.INT64_MAX:
            return ('%d is outside the signed 64-bit integer range; give a '
                    'smaller number, or a string' % value)
        return None
    if isinstance(value, float):
        if not math.isfinite(value):
            return '%r is not a finite number' % value
        return None
    return ('YAML read this value as %s, which JSON cannot hold; quote it '
            'to make it a string' % _kind(value))


def _string_problem(text):
    if '\x00' in text:
        return 'strings may not contain NUL (\\u0000) characters'
    if _SURROGATE.search(text):
        return ('strings may not contain lone UTF-16 surrogates '
                '(\\ud800-\\udfff); send valid Unicode')
    return None


def _describe(error):
    where = '.'.join(str(p) for p in error.absolute_path) or 'body'
    if error.validator == 'additionalProperties':
        return '%s: %s' % (where, error.message.replace(
            'Additional properties are not allowed', 'unknown field'))
    if error.validator == 'pattern':
        field = str(error.absolute_path[-1]) if error.absolute_path else ''
        if field == 'name' and error.schema.get('pattern') == \
                schemas.APP_NAME:
            return '%s: %r is not a valid name (%s)' % (
                where, error.instance, schemas.NAME_RULE)
        if error.schema.get('pattern') == schemas.LP_NAME:
            return '%s: %r is not a valid language pack name (%s)' % (
                where, error.instance, schemas.LP_NAME_RULE)
        if field == 'du_id':
            return '%s: %r is not valid (%s)' % (where, error.instance,
                                                 schemas.DU_ID_RULE)
        if field == 'revision':
            return ('%s: %r is not a valid git revision (a branch, tag or '
                    'commit; it may not start with "-")' %
                    (where, error.instance))
    return '%s: %s' % (where, error.message)


def validate(document, schema):
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(document),
                    key=lambda e: list(e.absolute_path))
    if errors:
        raise exception.InvalidInput(reason=_describe(
            jsonschema.exceptions.best_match(errors)))
    return document


def validate_git_url(url, field='source.repository'):
    """Refuse repository URLs that could run commands, inject options or
    carry credentials."""
    problem = _git_url_problem(url)
    if problem:
        raise exception.InvalidInput(
            reason='%s: %r is not an accepted git repository URL: %s' %
            (field, redact.url_credentials(url), problem))


def _git_url_problem(url):
    if url.startswith('-'):
        return 'it may not start with "-"'
    if any(c.isspace() or ord(c) < 32 for c in url):
        return 'it may not contain whitespace or control characters'
    if '::' in url.split('/', 1)[0]:
        return 'git remote helpers (such as ext::) are not allowed'
    if url.startswith('/'):
        return None
    scp = _SCP_LIKE.match(url)
    if scp:
        return _option_problem(scp.group('user'), scp.group('host'))
    try:
        parts = parse.urlsplit(url)
        # Reading the port raises ValueError when it is not a number.
        parts.port  # noqa: B018
    except ValueError as e:
        return 'it is not a valid URL (%s)' % e
    if parts.scheme not in _GIT_SCHEMES:
        return 'use one of the schemes %s, or user@host:path' % ', '.join(
            _GIT_SCHEMES)
    if parts.scheme != 'file' and not parts.hostname:
        return 'it names no host'
    if parts.password is not None or (
            parts.scheme in ('https', 'http') and parts.username is not None):
        return _NO_CREDENTIALS
    return _option_problem(parts.username, parts.hostname)


def _option_problem(user, host):
    # git hands user@host to ssh as one argument: "-oProxyCommand=..."
    # there would be an ssh option that runs a command.
    for part, value in (('user', user), ('host', host)):
        if value and value.startswith('-'):
            return 'its %s may not start with "-"' % part
    return None
