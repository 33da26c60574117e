"""JSON schemas of every request body. Unknown fields are refused.

Patterns end in \\Z, not $: jsonschema matches them with Python's re, where
$ also matches before a final newline ("hello\\n" would be a valid name).
"""

from solum.db import types

# App names become DNS labels in the app's URL.
APP_NAME = r'^[a-z]([a-z0-9-]{0,61}[a-z0-9])?\Z'
NAME_RULE = ('1 to 63 lowercase letters, digits and hyphens, starting with '
             'a letter and not ending with a hyphen')
LP_NAME = r'^[a-z0-9][a-z0-9._-]{0,99}\Z'
LP_NAME_RULE = ('1 to 100 lowercase letters, digits, dots, underscores and '
                'hyphens, starting with a letter or digit')
# git revisions: a branch, tag or commit; never an option (no leading '-').
REVISION = r'^[A-Za-z0-9_][A-Za-z0-9._/+-]{0,254}\Z'
ENV_NAME = r'^[A-Za-z_][A-Za-z0-9_]{0,127}\Z'
# An image reference: never an option, no whitespace or control characters
# (it reaches command lines).
DU_ID = r'^[^\s\x00-\x1f\x7f-\x9f-][^\s\x00-\x1f\x7f-\x9f]*\Z'
DU_ID_RULE = ('an image reference; it may not start with "-" or contain '
              'whitespace or control characters')
# Replicas of one app, however it is scaled.
MAX_REPLICAS = 1000

ACTIONS = ['unittest', 'build', 'deploy']

_command = {'type': 'string', 'maxLength': 4096}
_scalar = {'type': ['string', 'integer', 'number', 'boolean']}

SOURCE = {
    'type': 'object',
    'properties': {
        'repository': {'type': 'string', 'minLength': 1, 'maxLength': 1024},
        'revision': {'type': 'string', 'pattern': REVISION},
        'private': {'type': 'boolean'},
        'private_ssh_key': {'type': 'string', 'maxLength': 16384},
        # Lets a push delete or rewrite the tracked branch of the app's
        # own git remote (solum.api.git_push).
        'allow_force_push': {'type': 'boolean'},
    },
    'additionalProperties': False,
}

WORKFLOW_CONFIG = {
    'type': 'object',
    'properties': {'test_cmd': _command, 'run_cmd': _command,
                   'release_cmd': _command},
    'additionalProperties': False,
}

PORTS = {
    'type': 'array', 'maxItems': 16, 'uniqueItems': True,
    'items': {'type': 'integer', 'minimum': 1, 'maximum': 65535},
}

PARAMETERS = {
    'type': 'object',
    'properties': {
        'user_params': {
            'type': 'object', 'maxProperties': 256,
            'propertyNames': {'pattern': ENV_NAME},
            'additionalProperties': _scalar,
        },
        # How the deployer decides a new replica is ready to serve.
        'health': {
            'type': 'object',
            'properties': {
                'path': {'type': 'string', 'maxLength': 255,
                         'pattern': r'^/[A-Za-z0-9_.~/?=&%-]*\Z'},
                'timeout': {'type': 'integer', 'minimum': 1,
                            'maximum': 3600},
            },
            'additionalProperties': False,
        },
        # The deployer driver of the app, among [deployer] driver and
        # allowed_drivers.
        'deployer': {'type': 'string', 'pattern': r'^[a-z0-9_-]{1,64}\Z'},
        # See solum.deployer.autoscale.
        'autoscale': {
            'type': 'object',
            'properties': {
                'min': {'type': 'integer', 'minimum': 1,
                        'maximum': MAX_REPLICAS},
                'max': {'type': 'integer', 'minimum': 1,
                        'maximum': MAX_REPLICAS},
                'target_rps': {'type': 'number', 'exclusiveMinimum': 0,
                               'maximum': 1000000},
                'target_cpu': {'type': 'number', 'exclusiveMinimum': 0,
                               'maximum': 100},
                'cooldown': {'type': 'integer', 'minimum': 0,
                             'maximum': 86400},
            },
            'required': ['min', 'max'],
            'anyOf': [{'required': ['target_rps']},
                      {'required': ['target_cpu']}],
            'additionalProperties': False,
        },
    },
    'additionalProperties': False,
}

TRIGGER_ACTIONS = {
    'type': 'array', 'uniqueItems': True,
    'items': {'enum': ACTIONS},
}

_app_properties = {
    'version': {'type': 'integer', 'enum': [1]},
    'name': {'type': 'string', 'pattern': APP_NAME},
    'description': {'type': 'string', 'maxLength': 1024},
    'languagepack': {'type': 'string', 'pattern': LP_NAME},
    'source': SOURCE,
    'workflow_config': WORKFLOW_CONFIG,
    'trigger_actions': TRIGGER_ACTIONS,
    'ports': PORTS,
    'parameters': PARAMETERS,
}

APP_CREATE = {
    'type': 'object',
    'properties': _app_properties,
    # Without source.repository, the app's source is its own git remote.
    'required': ['version', 'name', 'languagepack'],
    'additionalProperties': False,
}

APP_UPDATE = {
    'type': 'object',
    'properties': {k: v for k, v in _app_properties.items()
                   if k != 'version'},
    'additionalProperties': False,
    'minProperties': 1,
}

WORKFLOW_CREATE = {
    'type': 'object',
    'properties': {
        'actions': {'type': 'array', 'minItems': 1, 'uniqueItems': True,
                    'items': {'enum': ACTIONS}},
        'du_id': {'type': 'string', 'maxLength': 255, 'pattern': DU_ID},
        'scale_target': {'type': 'integer', 'minimum': 1,
                         'maximum': MAX_REPLICAS},
    },
    'required': ['actions'],
    'additionalProperties': False,
}

LANGUAGE_PACK_CREATE = {
    'type': 'object',
    'properties': {
        'name': {'type': 'string', 'pattern': LP_NAME},
        'description': {'type': 'string', 'maxLength': 1024},
        'source_uri': {'type': 'string', 'minLength': 1, 'maxLength': 1024},
        'lp_metadata': {'type': 'object', 'maxProperties': 64,
                        'additionalProperties': _scalar},
        'lp_params': {'type': 'object', 'maxProperties': 64,
                      'additionalProperties': _scalar},
    },
    'required': ['name', 'source_uri'],
    'additionalProperties': False,
}

_artifact = {
    'type': 'object',
    'properties': {
        'name': {'type': 'string', 'minLength': 1, 'maxLength': 100},
        'artifact_type': {'type': 'string', 'maxLength': 64},
        'content': {
            'type': 'object',
            'properties': {
                'href': {'type': 'string', 'minLength': 1,
                         'maxLength': 1024},
                'private': {'type': 'boolean'},
                'public_key': {'type': 'string', 'maxLength': 16384},
            },
            'required': ['href'],
            'additionalProperties': False,
        },
        'language_pack': {'type': 'string', 'pattern': LP_NAME},
        'language-pack': {'type': 'string', 'pattern': LP_NAME},
        'unittest_cmd': _command,
        'run_cmd': _command,
        'ports': PORTS,
        'requirements': {'type': 'array', 'maxItems': 32},
    },
    'required': ['name', 'content'],
    'additionalProperties': False,
}

PLAN = {
    'type': 'object',
    'properties': {
        'version': {'type': 'integer', 'enum': [1]},
        'name': {'type': 'string', 'minLength': 1, 'maxLength': 100},
        'description': {'type': 'string', 'maxLength': 1024},
        'artifacts': {'type': 'array', 'maxItems': 32, 'items': _artifact},
        'parameters': {'type': 'object', 'maxProperties': 256,
                       'additionalProperties': _scalar},
    },
    'required': ['version', 'name'],
    'additionalProperties': False,
}

ROLLBACK = {
    'type': 'object',
    'properties': {
        'release': {'type': 'integer', 'minimum': 1,
                    'maximum': types.INT32_MAX},
    },
    'additionalProperties': False,
}

SCALE = {
    'type': 'object',
    'properties': {
        'replicas': {'type': 'integer', 'minimum': 1,
                     'maximum': MAX_REPLICAS},
    },
    'required': ['replicas'],
    'additionalProperties': False,
}


DEPLOY_TOKEN_CREATE = {
    'type': 'object',
    'properties': {
        'name': {'type': 'string', 'pattern': r'^[A-Za-z0-9][A-Za-z0-9._-]*$',
                 'maxLength': 64},
    },
    'additionalProperties': False,
}
