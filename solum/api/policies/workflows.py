from solum.api.policies import base

_path = '/v1/apps/{app_id}/workflows'
rules = base.crud_rules('workflows', _path, _path + '/{wf_id}', {
    'create': ('POST', False, True,
               'Start a workflow (unit test, build, deploy) of an app.'),
    'list': ('GET', False, False, 'List the workflows of an app.'),
    'show': ('GET', True, False, 'Show a workflow.'),
    'logs': ('GET', True, False, 'Read or follow a workflow\'s logs.'),
})


def list_rules():
    return rules
