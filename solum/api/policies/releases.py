from oslo_policy import policy

_app = '/v1/apps/{app_id}'


def _rule(name, method, path, write, description):
    return policy.DocumentedRuleDefault(
        name='solum:apps:%s' % name,
        check_str=('rule:project_member_or_admin' if write
                   else 'rule:project_reader_or_admin'),
        description=description,
        operations=[{'path': _app + path, 'method': method}],
        scope_types=['project'])


rules = [
    _rule('releases', 'GET', '/releases', False,
          'List the releases (deploys) of an app.'),
    _rule('rollback', 'POST', '/rollback', True,
          'Deploy an earlier release of an app again.'),
    _rule('scale', 'POST', '/scale', True,
          'Change how many replicas of an app run.'),
    _rule('replicas', 'GET', '/replicas', False,
          'List the running replicas of an app with their router state.'),
    _rule('logs', 'GET', '/logs', False,
          'Read or follow the output of an app\'s replicas.'),
]


def list_rules():
    return rules
