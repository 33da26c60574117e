from oslo_policy import policy

# Any reader of a project (or an administrator) may read what the API
# offers; the target is the caller's own project.
rules = [
    policy.DocumentedRuleDefault(
        name='solum:extensions:list',
        check_str='rule:project_reader_or_admin',
        description='List what this API adds beyond upstream Solum v1.',
        operations=[{'path': '/v1/extensions', 'method': 'GET'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name='solum:extensions:show',
        check_str='rule:project_reader_or_admin',
        description='Show one extension of this API.',
        operations=[{'path': '/v1/extensions/{name}', 'method': 'GET'}],
        scope_types=['project']),
]


def list_rules():
    return rules
