"""Request body parsing and validation: every failure is a clear 4xx."""

import json
import re
from urllib import parse

import jsonschema
import yaml

from solum.api import schemas
from solum.common import exception

JSON_TYPES = ('application/json',)
YAML_TYPES = ('application/x-yaml', 'application/yaml', 'text/yaml',
              'text/x-yaml')

_GIT_SCHEMES = ('https', 'http', 'ssh', 'git', 'file')
# user@host:path, as git and ssh accept it.
_SCP_LIKE = re.compile(r'^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$')


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
    if content_type and content_type not in supported:
        raise exception.UnsupportedMediaType(
            content_type=content_type, supported=', '.join(supported))
    body = request.body
    if not body.strip():
        raise exception.BadRequest(reason='the request body is empty')
    try:
        text = body.decode('utf-8')
    except UnicodeDecodeError:
        raise exception.BadRequest(reason='the request body is not UTF-8')
    if content_type in YAML_TYPES:
        try:
            return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506
        except yaml.YAMLError as e:
            raise exception.BadRequest(reason='invalid YAML: %s' %
                                       _one_line(e))
    try:
        return json.loads(text)
    except ValueError as e:
        raise exception.BadRequest(reason='invalid JSON: %s' % e)


def _one_line(error):
    return ' '.join(str(error).split())


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
    """Refuse repository URLs that could run commands or inject options."""
    problem = _git_url_problem(url)
    if problem:
        raise exception.InvalidInput(
            reason='%s: %r is not an accepted git repository URL: %s' %
            (field, url, problem))


def _git_url_problem(url):
    if url.startswith('-'):
        return 'it may not start with "-"'
    if any(c.isspace() or ord(c) < 32 for c in url):
        return 'it may not contain whitespace or control characters'
    if '::' in url.split('/', 1)[0]:
        return 'git remote helpers (such as ext::) are not allowed'
    if url.startswith('/'):
        return None
    if _SCP_LIKE.match(url):
        return None
    parts = parse.urlsplit(url)
    if parts.scheme not in _GIT_SCHEMES:
        return 'use one of the schemes %s, or user@host:path' % ', '.join(
            _GIT_SCHEMES)
    if parts.scheme != 'file' and not parts.hostname:
        return 'it names no host'
    return None
