from solum.api.policies import base

_path = '/v1/language_packs'
rules = base.crud_rules('language_packs', _path, _path + '/{lp_id}', {
    'create': ('POST', False, True, 'Register a custom language pack.'),
    'list': ('GET', False, False, 'List language packs.'),
    'show': ('GET', True, False, 'Show a language pack.'),
    'delete': ('DELETE', True, True, 'Delete a language pack.'),
    'logs': ('GET', True, False, 'Read a language pack\'s build logs.'),
})


def list_rules():
    return rules
