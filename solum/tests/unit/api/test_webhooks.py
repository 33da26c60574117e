"""POST /v1/apps/{app}/webhook and its secret, through the real
middleware, database and conductor."""

import json

from solum.common import webhooks
from solum.db import api as db_api
from solum.tests.unit.api import base

SHA = 'a' * 40
REPO = 'https://git.example.com/a.git'


def push(ref='refs/heads/main', after=SHA, url='https://git.example.com/a'):
    return json.dumps({'ref': ref, 'after': after,
                       'repository': {'clone_url': url}}).encode()


class TestWebhooks(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.app_id = self.create_app().json['id']
        self.path = '/v1/apps/%s/webhook' % self.app_id
        self.secret = self.rotate().json['secret']

    def rotate(self, status=201, **kw):
        return self.post_json(self.path + '/secret', {}, status=status, **kw)

    def deliver(self, body, status, headers=None, secret=None,
                delivery='d-1', kind='github', event='push'):
        secret = secret or self.secret
        signature = webhooks.sign(secret, body)
        if headers is None:
            headers = {
                'github': {'X-Hub-Signature-256': 'sha256=' + signature,
                           'X-GitHub-Event': event,
                           'X-GitHub-Delivery': delivery},
                'gitea': {'X-Gitea-Signature': signature,
                          'X-Gitea-Event': event,
                          'X-Gitea-Delivery': delivery},
                'gitlab': {'X-Gitlab-Token': secret,
                           'X-Gitlab-Event': 'Push Hook',
                           'X-Gitlab-Event-UUID': delivery},
                'generic': {'X-Solum-Signature': 'sha256=' + signature,
                            'X-Solum-Delivery': delivery},
            }[kind]
        # No X-Test-Roles: no identity at all, as from GitHub.
        return self.app.post(self.path, body, headers=dict(
            headers, **{'Content-Type': 'application/json'}), status=status)

    def workflows(self):
        return self.get('/v1/apps/%s/workflows' % self.app_id).json

    def test_secret_shown_once_and_stored_encrypted(self):
        shown = self.get('/v1/apps/%s' % self.app_id).json
        self.assertNotIn(self.secret, json.dumps(shown))
        row = db_api.get_app_by_uuid(None, self.app_id)
        self.assertNotIn(self.secret, row.webhook_secret)
        rotated = self.rotate().json
        self.assertTrue(rotated['rotated'])
        self.assertTrue(rotated['webhook_url'].endswith(self.path))
        # The old secret no longer signs.
        self.deliver(push(), 401, secret=self.secret)
        self.deliver(push(), 202, secret=rotated['secret'])

    def test_secret_needs_a_member_of_the_project(self):
        self.rotate(status=403, roles='reader')
        self.rotate(status=404, project=base.PROJECT_B)
        # The secret route is not public.
        self.app.post_json(self.path + '/secret', {}, status=401)

    def test_push_starts_workflow_on_the_commit(self):
        resp = self.deliver(push(), 202)
        self.assertTrue(resp.json['started'])
        self.assertEqual(SHA, resp.json['commit'])
        [wf] = self.workflows()
        self.assertEqual(resp.json['workflow_id'], wf['id'])
        self.assertEqual(['unittest', 'build', 'deploy'], wf['actions'])
        row = db_api.get_workflow_by_uuid(None, wf['id'])
        self.assertEqual(SHA, row.source['revision'])
        self.assertEqual(REPO, row.source['repository'])

    def test_every_provider(self):
        for n, kind in enumerate(('github', 'gitea', 'gitlab', 'generic')):
            resp = self.deliver(push(after='%040x' % (n + 1)), 202,
                                kind=kind, delivery='d-%d' % n)
            self.assertTrue(resp.json['started'], kind)
        self.assertEqual(4, len(self.workflows()))

    def test_replays_start_nothing(self):
        self.deliver(push(), 202)
        again = self.deliver(push(), 200)
        self.assertEqual('already received', again.json['reason'])
        # The same signed body under another delivery id: a replay too.
        again = self.deliver(push(), 200, delivery='d-2')
        self.assertEqual('already received', again.json['reason'])
        self.assertEqual(1, len(self.workflows()))

    def test_refused(self):
        body = push()
        resp = self.deliver(body, 401, headers={'X-GitHub-Event': 'push'})
        self.assertIn('not signed', resp.json['faultstring'])
        self.deliver(body, 401, secret='wrong')
        self.deliver(body, 401, headers={
            'X-Hub-Signature-256': 'sha1=' + webhooks.sign(self.secret,
                                                           body),
            'X-GitHub-Delivery': 'x'})
        self.deliver(body, 401, kind='gitlab', headers={
            'X-Gitlab-Token': self.secret + 'x', 'X-Gitlab-Event':
            'Push Hook'})
        self.deliver(b'{not json', 400)
        self.assertEqual([], self.workflows())
        self.app.post('/v1/apps/%s/webhook' % ('0' * 32), body,
                      headers={'X-Solum-Signature': 'sha256=00'},
                      status=404)
        self.app.post('/v1/apps/hello/webhook', body, status=404)

    def test_only_post_is_public(self):
        for method in ('get', 'put', 'patch', 'delete'):
            for path in (self.path, self.path + '/secret'):
                resp = getattr(self.app, method)(path, status='*')
                self.assertIn(resp.status_int, (401, 405), (method, path))
        # With a token, other methods are not routes.
        resp = self.app.get(self.path, headers=self.headers(), status='*')
        self.assertIn(resp.status_int, (404, 405))

    def test_size_cap(self):
        self.conf.config(webhook_max_body=2048, group='api')
        big = json.dumps({'ref': 'refs/heads/main', 'pad': 'x' * 4096})
        self.deliver(big.encode(), 413)
        # Between the general cap and the webhook cap: accepted.
        self.conf.config(webhook_max_body=1024 * 1024, group='api')
        mid = json.dumps({'zen': 'x' * 100000}).encode()
        self.deliver(mid, 200, event='ping')
        self.assertEqual([], self.workflows())

    def test_acknowledged_without_work(self):
        ping = self.deliver(b'{"zen": "hi"}', 200, event='ping')
        self.assertIn('pong', ping.json['reason'])
        cases = [
            (push(ref='refs/heads/other'), 'refs/heads/main'),
            (push(ref='refs/tags/v1'), 'not a branch'),
            (push(url='https://git.example.com/b'), 'another repository'),
            (push(after='0' * 40), 'deleted'),
        ]
        for n, (body, why) in enumerate(cases):
            resp = self.deliver(body, 200, delivery='n-%d' % n)
            self.assertFalse(resp.json['started'])
            self.assertIn(why, resp.json['reason'])
        resp = self.deliver(push(after='b' * 40), 200, event='issues',
                            delivery='n-x')
        self.assertIn('only push', resp.json['reason'])
        self.assertEqual([], self.workflows())

    def test_no_secret_yet(self):
        other = self.create_app(name='other').json['id']
        body = push()
        resp = self.app.post('/v1/apps/%s/webhook' % other, body, headers={
            'X-Hub-Signature-256': 'sha256=' + webhooks.sign('x', body),
            'X-GitHub-Delivery': 'd', 'X-GitHub-Event': 'push'}, status=401)
        self.assertIn('no webhook secret', resp.json['faultstring'])
