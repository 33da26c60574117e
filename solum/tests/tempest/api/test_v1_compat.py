"""What clients of upstream Solum v1 look up: the platform document, the
built-in language packs as read-only resources, the extensions, and the
upstream resources this deployment answers 501 for
(doc/source/api/index.rst)."""

from tempest.lib import decorators
from tempest.lib import exceptions as lib_exc

from solum.tests.tempest import base

BUILTIN = ('python', 'nodejs', 'dockerfile', 'auto')


class TestV1Compatibility(base.SolumBaseTest):

    @decorators.idempotent_id('0c8f3f2e-5a3b-4b8e-9a51-2b7f4b1d7c10')
    def test_platform_document(self):
        _resp, doc = self.reader.platform()
        self.assertEqual('platform', doc['type'])
        for resource in ('apps', 'language_packs', 'plans', 'extensions'):
            self.assertTrue(doc['%s_uri' % resource].endswith(
                '/v1/%s' % resource), doc)

    @decorators.idempotent_id('0c8f3f2e-5a3b-4b8e-9a51-2b7f4b1d7c11')
    def test_builtin_language_packs_are_read_only(self):
        _resp, packs = self.reader.list_language_packs()
        builtins = {p['name']: p for p in packs if p.get('builtin')}
        self.assertEqual(set(BUILTIN), set(builtins))
        for name, listed in builtins.items():
            self.assertEqual('READY', listed['status'])
            _resp, shown = self.alt.show_language_pack(name)
            self.assertEqual(listed['id'], shown['id'])
        self.assertRaises(lib_exc.Conflict, self.member.delete_language_pack,
                          'python')
        _resp, still = self.member.show_language_pack('python')
        self.assertEqual('READY', still['status'])

    @decorators.idempotent_id('0c8f3f2e-5a3b-4b8e-9a51-2b7f4b1d7c12')
    def test_extensions_and_unsupported_resources(self):
        _resp, extensions = self.reader.list_extensions()
        names = {e['name'] for e in extensions}
        self.assertTrue({'releases', 'rollback', 'scale'} <= names, names)
        for path in ('v1/assemblies', 'v1/components', 'v1/services'):
            error = self.assertRaises(lib_exc.NotImplemented,
                                      self.member.get_path, path)
            self.assertIn('not supported', str(error))
