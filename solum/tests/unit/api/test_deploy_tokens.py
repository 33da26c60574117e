"""/v1/apps/{app}/deploy_tokens through the real middleware, Pecan app
and database, and the deploy tokens' storage."""

import json

from solum.common import exception
from solum.db import api as db_api
from solum.db import engine
from solum.db import models
from solum.tests.unit.api import base


class TestDeployTokensAPI(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.app_id = self.create_app().json['id']
        self.path = '/v1/apps/%s/deploy_tokens' % self.app_id

    def create(self, body=None, status=201, **kw):
        return self.post_json(self.path, {} if body is None else body,
                              status=status, **kw)

    def test_create_shows_the_token_once(self):
        created = self.create({'name': 'ci'}).json
        self.assertTrue(created['token'].startswith('sdt_'))
        self.assertGreater(len(created['token']), 30)
        self.assertEqual('deploy-token', created['username'])
        self.assertEqual('ci', created['name'])
        self.assertTrue(created['git_url'].endswith(
            '/v1/apps/%s/git' % self.app_id))
        self.assertTrue(created['git_url'].startswith('http'))
        self.assertIsNone(created['last_used_at'])
        [listed] = self.get(self.path).json
        self.assertEqual(created['id'], listed['id'])
        self.assertEqual({'id', 'name', 'created_at', 'last_used_at'},
                         set(listed))
        self.assertNotIn(created['token'], json.dumps(listed))
        # Stored as a digest only.
        [row] = db_api.list_deploy_tokens(
            None, db_api.get_app_by_uuid(None, self.app_id).id)
        self.assertNotEqual(created['token'], row.digest)
        self.assertNotIn(created['token'], row.digest)

    def test_default_name_and_no_body(self):
        resp = self.app.post(self.path, headers=self.headers(), status=201)
        self.assertEqual('deploy', resp.json['name'])

    def test_tokens_differ(self):
        one = self.create().json
        two = self.create().json
        self.assertNotEqual(one['token'], two['token'])
        self.assertNotEqual(one['id'], two['id'])
        self.assertEqual([one['id'], two['id']],
                         [t['id'] for t in self.get(self.path).json])

    def test_delete_then_404(self):
        token = self.create().json['id']
        self.delete('%s/%s' % (self.path, token), status=204)
        self.assertEqual([], self.get(self.path).json)
        self.delete('%s/%s' % (self.path, token), status=404)

    def test_delete_unknown_is_404(self):
        self.delete('%s/%s' % (self.path, 'f' * 32), status=404)

    def test_delete_needs_the_tokens_app(self):
        token = self.create().json['id']
        other = self.create_app(name='other').json['id']
        self.delete('/v1/apps/%s/deploy_tokens/%s' % (other, token),
                    status=404)
        self.assertEqual(1, len(self.get(self.path).json))

    def test_another_projects_app_is_404(self):
        self.create()
        self.get(self.path, status=404, project=base.PROJECT_B)
        self.create(status=404, project=base.PROJECT_B)
        token = self.get(self.path).json[0]['id']
        self.delete('%s/%s' % (self.path, token), status=404,
                    project=base.PROJECT_B)
        self.assertEqual(1, len(self.get(self.path).json))

    def test_reader_lists_but_cannot_create_or_delete(self):
        token = self.create().json['id']
        self.get(self.path, roles='reader')
        self.create(status=403, roles='reader')
        self.delete('%s/%s' % (self.path, token), status=403,
                    roles='reader')

    def test_no_identity_is_401(self):
        self.app.get(self.path, status=401)
        self.app.post_json(self.path, {}, status=401)

    def test_quota(self):
        self.conf.config(deploy_tokens_per_app=2, group='quota')
        self.create()
        self.create()
        resp = self.create(status=403)
        self.assertIn('deploy_tokens_per_app limit of 2',
                      resp.json['faultstring'])
        # Per app: another app still gets its own.
        other = self.create_app(name='other').json['id']
        self.post_json('/v1/apps/%s/deploy_tokens' % other, {})
        # A revoked token frees its place.
        token = self.get(self.path).json[0]['id']
        self.delete('%s/%s' % (self.path, token), status=204)
        self.create()

    def test_bad_body_is_400(self):
        for body in ({'name': '-x'}, {'name': 'a b'}, {'name': ''},
                     {'name': 'x' * 65}, {'name': 3}, {'other': 'x'}):
            self.create(body, status=400)
        self.assertEqual([], self.get(self.path).json)


class TestDeployTokensDb(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.mine = db_api.get_app_by_uuid(
            None, self.create_app().json['id'])
        self.other = db_api.get_app_by_uuid(
            None, self.create_app(name='other').json['id'])

    def test_use_own_apps_token(self):
        row, token = db_api.create_deploy_token(None, self.mine.id, 'ci')
        self.assertIsNone(row.last_used_at)
        used = db_api.use_deploy_token(None, self.mine.id, token)
        self.assertEqual(row.uuid, used.uuid)
        self.assertEqual('ci', used.name)
        with engine.reader(None) as session:
            stored = session.get(models.DeployToken, row.id)
            self.assertIsNotNone(stored.last_used_at)

    def test_another_apps_token_is_none(self):
        _row, token = db_api.create_deploy_token(None, self.mine.id, 'ci')
        self.assertIsNone(db_api.use_deploy_token(None, self.other.id,
                                                  token))
        [row] = db_api.list_deploy_tokens(None, self.mine.id)
        self.assertIsNone(row.last_used_at)

    def test_wrong_or_malformed_token_is_none(self):
        _row, token = db_api.create_deploy_token(None, self.mine.id, 'ci')
        for wrong in (token + 'x', token[:-1], 'sdt_', '', None, 42,
                      token[len('sdt_'):]):
            self.assertIsNone(db_api.use_deploy_token(None, self.mine.id,
                                                      wrong))

    def test_revoked_token_is_none(self):
        row, token = db_api.create_deploy_token(None, self.mine.id, 'ci')
        db_api.delete_deploy_token(None, self.mine.id, row.uuid)
        self.assertIsNone(db_api.use_deploy_token(None, self.mine.id, token))

    def test_delete_of_another_apps_token_is_not_found(self):
        row, token = db_api.create_deploy_token(None, self.mine.id, 'ci')
        self.assertRaises(exception.NotFound,
                          db_api.delete_deploy_token, None, self.other.id,
                          row.uuid)
        self.assertIsNotNone(db_api.use_deploy_token(None, self.mine.id,
                                                     token))
