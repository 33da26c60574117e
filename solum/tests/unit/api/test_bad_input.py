"""Bad input of every shape gets a 4xx fault, never a 500."""

import json
import logging

import fixtures

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
# Each is a 400 on every target, before any schema could accept it.
REFUSED = [
    '{"version": 1, "name": NaN}', '{"name": Infinity}', '[-Infinity]',
    '{"description": "\\ud800"}', '{"\\udc00": 1}',
    '{"description": "a\\u0000b"}', '{"a": ["\\u0000"]}',
    '{"parameters": {"user_params": {"A": %d}}}' % 2 ** 64,
    '{"lp_params": {"a": -%d}}' % 2 ** 70, '{"x": 1e400}',
    '[' * 60000, '{"a": ' * 10000,
]


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

    def test_values_storage_cannot_hold_are_400(self):
        for method, path in self.targets:
            for body in REFUSED:
                resp = self.send(method, path, body.encode())
                self.assertEqual(400, resp.status_int, '%s %s %r -> %s' % (
                    method, path, body[:60], resp.text[:200]))
                self.assertEqual('Client', resp.json['faultcode'])

    def test_yaml_keys_and_values_that_are_not_json_are_400(self):
        for text, where in (
                ('parameters: {user_params: {1: x}}',
                 'parameters.user_params.1'),
                ('parameters: {user_params: {A: 2020-01-01}}',
                 'parameters.user_params.A'),
                ('lp_metadata: {2020-01-01: x}', 'lp_metadata.2020-01-01'),
                ('lp_params: {a: !!binary aGk=}', 'lp_params.a'),
                ('parameters: {2020-01-01: 1}', 'parameters.2020-01-01'),
                ('artifacts: [{requirements: [!!set {a}]}]',
                 'artifacts.0.requirements.0')):
            for method, path in self.targets:
                if path.startswith('/v1/apps/hello/workflows'):
                    continue
                resp = self.send(method, path, text.encode(),
                                 'application/x-yaml')
                self.assertEqual(400, resp.status_int, (method, path, text))
                self.assertTrue(resp.json['faultstring'].startswith(where),
                                resp.json['faultstring'])

    def test_client_errors_log_no_traceback(self):
        logs = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        for method, path in self.targets:
            resp = self.send(method, path, b'\xff')
            self.assertEqual(400, resp.status_int)
            self.assertIn('not UTF-8', resp.json['faultstring'])
        for path in ('/v1/apps/%ff', '/v1/apps?marker=%ff'):
            resp = self.app.get(path, headers=self.headers(), status=400)
            self.assertIn('not UTF-8', resp.json['faultstring'])
        resp = self.send('POST', '/v1/apps', b'\xff=1', '')
        self.assertEqual(400, resp.status_int)
        self.assertNotIn('Traceback', logs.output)
        self.assertNotIn('UnicodeDecodeError', logs.output)

    def test_huge_numbers_in_urls(self):
        wf = self.post_json('/v1/apps/hello/workflows',
                            {'actions': ['build']}).json
        self.post_json('/v1/language_packs', {
            'name': 'lp', 'source_uri': 'https://h/lp.git'})
        huge = '9' * 22
        for path in ('/v1/apps/hello/workflows/' + huge,
                     '/v1/apps/hello/workflows/%d' % 2 ** 31,
                     '/v1/apps/hello/workflows/%d/logs' % 2 ** 63,
                     '/v1/apps/hello/releases/' + huge,
                     '/v1/apps/hello/releases/%d' % 2 ** 31):
            resp = self.get(path, status=404)
            self.assertEqual('Client', resp.json['faultcode'])
        for path in ('/v1/apps/hello/workflows/%d/logs?since=%s' % (
                        wf['wf_id'], huge),
                     '/v1/language_packs/lp/logs?since=%d' % 2 ** 63,
                     '/v1/apps/hello/logs?tail=' + huge):
            resp = self.get(path, status=400)
            self.assertEqual('Client', resp.json['faultcode'])
        self.get('/v1/language_packs/lp/logs?since=%d' % (2 ** 63 - 1))
        for path, message in (
                ('/v1/apps?limit=0', 'limit must be an integer, at least 1'),
                ('/v1/apps/hello/logs?tail=x', 'tail must be an integer, '
                 'at least 1 and at most %d' % (2 ** 31 - 1)),
                ('/v1/language_packs/lp/logs?since=-1', 'since must be a '
                 'log line id, at least 0 and at most %d' % (2 ** 63 - 1))):
            self.assertIn(message, self.get(path, status=400).json[
                'faultstring'])
        # Beyond the page size limit is no error: the page is capped.
        self.get('/v1/apps?limit=%d' % 10 ** 30)

    def test_rollback_to_a_huge_release(self):
        resp = self.post_json('/v1/apps/hello/rollback',
                              {'release': 10 ** 20}, status=400)
        self.assertIn('release', resp.json['faultstring'])
        self.post_json('/v1/apps/hello/rollback', {'release': 2 ** 31},
                       status=400)

    def test_unbounded_scale_target_without_a_quota(self):
        self.conf.config(instances_per_app=-1, group='quota')
        for target in (10 ** 30, 2 ** 40, 1001):
            resp = self.post_json('/v1/apps/hello/workflows', {
                'actions': ['build'], 'scale_target': target}, status=400)
            self.assertIn('scale_target', resp.json['faultstring'])

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
