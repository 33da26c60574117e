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
}) + base.crud_rules('apps', '/v1/apps', '/v1/apps/{app_id}/git', {
    'git_push': ('POST', True, True,
                 'Push to the app\'s git remote (a push to its tracked '
                 'branch deploys).'),
    'git_fetch': ('GET', True, False,
                  'Clone or fetch the app\'s git remote.'),
}) + base.crud_rules('apps:deploy_tokens', '/v1/apps/{app_id}/deploy_tokens',
                     '/v1/apps/{app_id}/deploy_tokens/{token_id}', {
    'create': ('POST', False, True,
               'Create a token that pushes to the app\'s git remote (shown '
               'once).'),
    'list': ('GET', False, False, 'List the app\'s deploy tokens.'),
    'delete': ('DELETE', True, True, 'Revoke a deploy token.'),
})


def list_rules():
    return rules
