"""The v1 API of language packs and plans."""

from tempest.lib import decorators
from tempest.lib import exceptions as lib_exc

from solum.tests.tempest import base


class TestLanguagePacks(base.SolumBaseTest):

    @decorators.idempotent_id('6b0b7d0e-3d8e-4c63-9d6e-0a1d7d8f2a08')
    def test_language_pack_create_show_list_delete(self):
        name = base.rand_name('lp')
        _resp, lp = self.member.create_language_pack({
            'name': name, 'description': 'tempest',
            'source_uri': 'https://git.example.invalid/lp.git'})
        self.addCleanup(self._delete_quietly, lp['id'])
        self.assertEqual(name, lp['name'])
        for ident in (lp['id'], name):
            _resp, shown = self.member.show_language_pack(ident)
            self.assertEqual(lp['id'], shown['id'])
        # Other packs (the built-in ones) may be listed too.
        _resp, packs = self.member.list_language_packs()
        self.assertIn(lp['id'], [p['id'] for p in packs])
        self.member.language_pack_logs(lp['id'])
        self.assertRaises(lib_exc.NotFound, self.alt.show_language_pack,
                          lp['id'])
        self.assertRaises(lib_exc.NotFound, self.alt.delete_language_pack,
                          lp['id'])
        self.assertRaises(lib_exc.Forbidden, self.reader.delete_language_pack,
                          lp['id'])
        self.assertRaises(lib_exc.Conflict, self.member.create_language_pack,
                          {'name': name, 'source_uri': 'https://x.invalid/'})
        self.assertRaises(lib_exc.BadRequest,
                          self.member.create_language_pack,
                          {'name': 'Bad Name', 'source_uri': 'https://x/'})
        self.wait_for(lambda: self._deleted(lp['id']),
                      what='language pack %s to be deleted' % lp['id'])

    def _deleted(self, ident):
        try:
            self.member.delete_language_pack(ident)
        except lib_exc.Conflict:
            return False     # still building
        except lib_exc.NotFound:
            return True
        return self._gone(self.member.show_language_pack, ident)

    def _delete_quietly(self, ident):
        try:
            self.member.delete_language_pack(ident)
        except (lib_exc.NotFound, lib_exc.Conflict):
            pass


class TestPlans(base.SolumBaseTest):

    @decorators.idempotent_id('6b0b7d0e-3d8e-4c63-9d6e-0a1d7d8f2a09')
    def test_plan_create_show_replace_list_delete(self):
        body = {'version': 1, 'name': base.rand_name('plan'),
                'description': 'one'}
        _resp, plan = self.member.create_plan(body)
        self.addCleanup(self._delete_quietly, plan['uuid'])
        self.assertEqual('one', plan['description'])
        _resp, shown = self.member.show_plan(plan['uuid'])
        self.assertEqual(plan['name'], shown['name'])
        _resp, replaced = self.member.replace_plan(
            plan['uuid'], dict(body, description='two'))
        self.assertEqual('two', replaced['description'])
        _resp, plans = self.member.list_plans()
        self.assertIn(plan['uuid'], [p['uuid'] for p in plans])
        self.assertRaises(lib_exc.NotFound, self.alt.show_plan,
                          plan['uuid'])
        _resp, shown = self.reader.show_plan(plan['uuid'])
        self.assertRaises(lib_exc.Forbidden, self.reader.delete_plan,
                          plan['uuid'])
        self.assertRaises(lib_exc.BadRequest, self.member.create_plan,
                          {'version': 1, 'name': 'x', 'secret': 'y'})
        self.member.delete_plan(plan['uuid'])
        self.assertRaises(lib_exc.NotFound, self.member.show_plan,
                          plan['uuid'])

    def _delete_quietly(self, ident):
        try:
            self.member.delete_plan(ident)
        except lib_exc.NotFound:
            pass
