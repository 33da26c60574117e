from solum.api import policies
from solum.api import policy
from solum.common import context as solum_context
from solum.common import exception
from solum.tests import base


def ctx(roles, project='p1'):
    return solum_context.RequestContext(project_id=project, user_id='u',
                                        roles=roles)


class TestPolicyDefaults(base.DbTestCase):

    def test_every_rule_is_documented_with_operations(self):
        names = [r.name for r in policies.list_rules()]
        self.assertEqual(len(names), len(set(names)))
        for resource in ('apps', 'workflows', 'language_packs', 'plans'):
            self.assertIn('solum:%s:create' % resource, names)
            self.assertIn('solum:%s:show' % resource, names)

    def test_reader_reads_member_writes(self):
        reader, member = ctx(['reader']), ctx(['member', 'reader'])
        target = {'project_id': 'p1'}
        self.assertTrue(policy.check('solum:apps:show', reader, target))
        self.assertFalse(policy.check('solum:apps:create', reader, target))
        self.assertFalse(policy.check('solum:workflows:create', reader,
                                      target))
        self.assertTrue(policy.check('solum:apps:create', member, target))
        self.assertTrue(policy.check('solum:workflows:create', member,
                                     target))

    def test_other_project_is_denied(self):
        member = ctx(['member', 'reader'], project='p2')
        self.assertFalse(policy.check('solum:apps:show', member,
                                      {'project_id': 'p1'}))

    def test_admin_may_do_anything_anywhere(self):
        admin = ctx(['admin'], project='other')
        for rule in ('solum:apps:delete', 'solum:plans:update',
                     'solum:all_projects'):
            self.assertTrue(policy.check(rule, admin, {'project_id': 'p1'}))

    def test_authorize_names_the_rule(self):
        error = self.assertRaises(exception.Forbidden, policy.authorize,
                                  'solum:apps:delete', ctx(['reader']))
        self.assertEqual(403, error.code)
        self.assertIn('solum:apps:delete', str(error))

    def test_policy_file_overrides_defaults(self):
        path = '%s/policy.yaml' % self.state_path
        with open(path, 'w') as f:
            f.write('"solum:apps:create": "role:admin"\n')
        self.conf.config(policy_file=path, group='oslo_policy')
        policy.reset()
        self.assertFalse(policy.check('solum:apps:create',
                                      ctx(['member', 'reader']),
                                      {'project_id': 'p1'}))
