from solum.api.policies import base

_path = '/v1/plans'
rules = base.crud_rules('plans', _path, _path + '/{plan_id}', {
    'create': ('POST', False, True, 'Register a plan.'),
    'list': ('GET', False, False, 'List plans.'),
    'show': ('GET', True, False, 'Show a plan.'),
    'update': ('PUT', True, True, 'Replace a plan.'),
    'delete': ('DELETE', True, True, 'Delete a plan.'),
})


def list_rules():
    return rules
