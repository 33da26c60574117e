"""What Solum v1 clients send that this API's strict schemas would refuse,
made into what they accept, before any schema sees it.

The v1 command-line client and plans written for upstream Solum send a few
shapes that mean the same thing as this API's stricter ones:

* ``lp_metadata`` as a JSON-encoded string of an object (the client reads
  the metadata file and sends ``json.dumps`` of it), or ``null`` when no
  file was given: the string is decoded (it must hold a JSON object), and
  ``null`` means "none", so the field is left out;
* a plan ``version`` of ``"1"`` (a string, as YAML writers often quote it):
  it is the integer 1; any other version stays refused by the schema;
* an app file without ``version``: upstream defaulted it to 1;
* an empty ``repo_token`` (the v1 client adds ``repo_token: ''`` to every
  app file it reads): dropped; a token with a value is refused, because
  this API keeps no repository credentials in app files;
* ``project_id`` and ``user_id`` in a body (copied from a resource shown
  earlier): dropped, since the token says who the caller is and a body
  never does.

Everything else is left as it is for the schema to judge. These functions
take what :func:`solum.api.validation.parse_body` returns, JSON or YAML,
and return the document (changed in place) for
:func:`solum.api.validation.validate`.
"""

import json

from solum.api import validation
from solum.common import exception

# The token decides who owns what a request creates.
OWNER_FIELDS = ('project_id', 'user_id')


def _drop_owner(document):
    for field in OWNER_FIELDS:
        document.pop(field, None)


def _lp_metadata(document):
    if 'lp_metadata' not in document:
        return
    value = document['lp_metadata']
    if value is None:
        del document['lp_metadata']
        return
    if not isinstance(value, str):
        return  # an object, or something the schema refuses
    try:
        decoded = json.loads(value, parse_constant=_not_json)
    except (ValueError, RecursionError):
        decoded = None
    if not isinstance(decoded, dict):
        raise exception.InvalidInput(
            reason='lp_metadata: a string must hold a JSON-encoded object '
                   '(such as "{\\"os\\": \\"debian\\"}"); give an object, '
                   'a JSON object as a string, or null')
    try:
        validation.check_values(decoded)
    except exception.InvalidInput as e:
        raise exception.InvalidInput(reason='lp_metadata: %s' % e)
    document['lp_metadata'] = decoded


def _not_json(name):
    raise ValueError('%s is not a JSON value' % name)


def _repo_token(document):
    if 'repo_token' not in document:
        return
    if document['repo_token'] not in (None, ''):
        raise exception.InvalidInput(
            reason='repo_token: this API keeps no repository tokens in '
                   'app files; leave it out (or empty) and give a private '
                   'repository as an ssh URL, fetched with the app\'s '
                   'deploy key')
    del document['repo_token']


def app(document):
    """An app file (POST /v1/apps)."""
    if isinstance(document, dict):
        _drop_owner(document)
        _repo_token(document)
        document.setdefault('version', 1)
    return document


def app_update(document):
    """A change to an app (PATCH /v1/apps/{app})."""
    if isinstance(document, dict):
        _drop_owner(document)
    return document


def plan(document):
    """A plan (POST /v1/plans, PUT /v1/plans/{uuid})."""
    if isinstance(document, dict):
        _drop_owner(document)
        if document.get('version') == '1':
            document['version'] = 1
    return document


def language_pack(document):
    """A custom language pack (POST /v1/language_packs)."""
    if isinstance(document, dict):
        _drop_owner(document)
        _lp_metadata(document)
    return document


def workflow(document):
    """A workflow (POST /v1/apps/{app}/workflows)."""
    if isinstance(document, dict):
        _drop_owner(document)
    return document
