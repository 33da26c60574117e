"""Bad input of every shape gets a 4xx fault, never a 500."""

import json

from solum.tests.unit.api import base

BODIES = [
    '[]', '"text"', '42', 'null', 'true', '{}', '{"version": "1"}',
    '{"version": 1, "name": 7}', '{"name": ["a"]}',
    '{"version": 1, "name": "x", "languagepack": "python", '
    '"source": "https://h/r.git"}',
    '{"version": 1, "name": "x", "languagepack": "python", '
    '"source": {"repository": 1}}',
    '{"version": 1, "name": "x", "languagepack": "python", '
    '"source": {"repository": "https://h/r"}, "ports": "80"}',
    '{"version": 1, "name": "x", "languagepack": "python", '
    '"source": {"repository": "https://h/r"}, "ports": [1e309]}',
    '{"version": 1, "name": "\\u0000", "languagepack": "python"}',
    '{"actions": "build"}', '{"actions": [null]}', '{"scale_target": -1}',
    '{"actions": ["build"], "scale_target": 99999999999999999999999}',
    '{"artifacts": {}}', '{"version": 1, "name": "p", "artifacts": [1]}',
    '{"lp_metadata": []}', '{"name": "x", "source_uri": 5}',
    '{' * 2000,
]
RAW = [b'\xff\xfe\x00', b'', b'   ']


class TestNoServerErrors(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.create_app()
        plan = self.post_json('/v1/plans', {'version': 1, 'name': 'p'}).json
        self.targets = [
            ('POST', '/v1/apps'), ('PATCH', '/v1/apps/hello'),
            ('POST', '/v1/apps/hello/workflows'),
            ('POST', '/v1/language_packs'), ('POST', '/v1/plans'),
            ('PUT', '/v1/plans/%s' % plan['uuid'])]

    def send(self, method, path, body, content_type='application/json'):
        return self.app.request(path, method=method, body=body,
                                headers=self.headers(**{
                                    'Content-Type': content_type}),
                                expect_errors=True)

    def test_malformed_bodies(self):
        for method, path in self.targets:
            for body in BODIES:
                resp = self.send(method, path, body.encode())
                self.assertTrue(400 <= resp.status_int < 500,
                                '%s %s %r -> %s %s' % (
                                    method, path, body[:60],
                                    resp.status, resp.text[:200]))
                self.assertIn('faultstring', json.loads(resp.text))
            for body in RAW:
                resp = self.send(method, path, body)
                self.assertEqual(400, resp.status_int, (method, path, body))

    def test_yaml_oddities(self):
        for text in ('!!python/object/apply:os.system ["id"]', '- a\n- b',
                     'a: [', 'version: 1\nname: x\nsource: !!binary aGk=',
                     '? [a]\n: b'):
            for method, path in self.targets:
                if path.startswith('/v1/apps/hello/workflows'):
                    continue
                resp = self.send(method, path, text.encode(),
                                 'application/x-yaml')
                self.assertTrue(400 <= resp.status_int < 500,
                                '%s %s %r -> %s' % (method, path, text,
                                                    resp.status))

    def test_odd_paths_and_queries(self):
        for path in ('/v1/apps/%00', '/v1/apps/' + 'x' * 5000,
                     '/v1/apps?limit=-1', '/v1/apps?limit=1e3',
                     '/v1/apps?marker=nope', '/v1/apps?all_projects=maybe',
                     '/v1/apps/hello/workflows/1/logs?since=x',
                     '/v1/apps/hello/workflows/-1',
                     '/v1/language_packs/%2e%2e'):
            resp = self.app.get(path, headers=self.headers(),
                                expect_errors=True)
            self.assertTrue(400 <= resp.status_int < 500,
                            '%s -> %s %s' % (path, resp.status, resp.text))
