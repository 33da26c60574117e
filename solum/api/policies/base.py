"""Secure-RBAC personas shared by every resource's rules."""

from oslo_policy import policy

ADMIN = 'role:admin'
PROJECT_READER = 'role:reader and project_id:%(project_id)s'
PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'
PROJECT_READER_OR_ADMIN = 'rule:admin_api or (%s)' % PROJECT_READER
PROJECT_MEMBER_OR_ADMIN = 'rule:admin_api or (%s)' % PROJECT_MEMBER

rules = [
    policy.RuleDefault('admin_api', ADMIN,
                       description='Cloud administrators.'),
    policy.RuleDefault('project_reader_or_admin', PROJECT_READER_OR_ADMIN,
                       description='Readers of the owning project, or '
                                   'administrators.'),
    policy.RuleDefault('project_member_or_admin', PROJECT_MEMBER_OR_ADMIN,
                       description='Members of the owning project, or '
                                   'administrators.'),
    policy.DocumentedRuleDefault(
        name='solum:all_projects',
        check_str='rule:admin_api',
        description='See and manage the resources of every project.',
        operations=[{'path': '/v1/apps?all_projects=true',
                     'method': 'GET'}],
        scope_types=['project']),
]


def list_rules():
    return rules


def crud_rules(resource, path, item_path, methods):
    """DocumentedRuleDefaults for one resource: reads for readers, writes
    for members, both for administrators."""
    result = []
    for action, (method, on_item, write, description) in methods.items():
        result.append(policy.DocumentedRuleDefault(
            name='solum:%s:%s' % (resource, action),
            check_str=('rule:project_member_or_admin' if write
                       else 'rule:project_reader_or_admin'),
            description=description,
            operations=[{'path': item_path if on_item else path,
                         'method': method}],
            scope_types=['project']))
    return result
