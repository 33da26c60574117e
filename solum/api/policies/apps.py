from solum.api.policies import base

rules = base.crud_rules('apps', '/v1/apps', '/v1/apps/{app_id}', {
    'create': ('POST', False, True, 'Create an app.'),
    'list': ('GET', False, False, 'List apps.'),
    'show': ('GET', True, False, 'Show an app.'),
    'update': ('PATCH', True, True, 'Change an app.'),
    'delete': ('DELETE', True, True, 'Delete an app and all it runs.'),
}) + base.crud_rules('apps', '/v1/apps', '/v1/apps/{app_id}/webhook/secret', {
    'webhook_secret': ('POST', True, True,
                       'Create or rotate the secret that signs the app\'s '
                       'webhook deliveries (shown once).'),
})


def list_rules():
    return rules
