"""Signature checks and push filtering of webhook deliveries."""

import testtools

from solum.common import webhooks

# GitHub's docs, "Validating webhook deliveries".
GITHUB_SECRET = "It's a Secret to Everybody"
GITHUB_BODY = b'Hello, World!'
GITHUB_SIGNATURE = ('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c'
                    '46f4379c8b043e17')
SHA = 'c' * 40


class TestSignatures(testtools.TestCase):

    def test_github_published_vector(self):
        self.assertEqual(GITHUB_SIGNATURE,
                         'sha256=' + webhooks.sign(GITHUB_SECRET,
                                                   GITHUB_BODY))
        self.assertEqual(webhooks.GITHUB, webhooks.verify(
            {'X-Hub-Signature-256': GITHUB_SIGNATURE}, GITHUB_BODY,
            GITHUB_SECRET))

    def refused(self, headers, body=GITHUB_BODY, secret=GITHUB_SECRET,
                code=401):
        e = self.assertRaises(webhooks.Refused, webhooks.verify, headers,
                              body, secret)
        self.assertEqual(code, e.code)
        return e.reason

    def test_github_refusals(self):
        self.assertIn('not signed', self.refused({}))
        self.refused({'X-Hub-Signature-256': GITHUB_SIGNATURE},
                     body=b'Hello, World?')
        self.refused({'X-Hub-Signature-256': GITHUB_SIGNATURE},
                     secret='another')
        self.refused({'X-Hub-Signature-256': GITHUB_SIGNATURE[7:]})
        self.refused({'X-Hub-Signature-256': 'sha1=' + GITHUB_SIGNATURE[7:]})
        self.refused({'X-Hub-Signature-256': GITHUB_SIGNATURE[:-1]})
        self.assertIn('no webhook secret', self.refused(
            {'X-Hub-Signature-256': GITHUB_SIGNATURE}, secret=None))
        # Upper-case hex and spaces are the same signature.
        self.assertEqual(webhooks.GITHUB, webhooks.verify(
            {'X-Hub-Signature-256': ' SHA256=' + GITHUB_SIGNATURE[7:]
             .upper()}, GITHUB_BODY, GITHUB_SECRET))

    def test_gitea_is_bare_hex(self):
        bare = GITHUB_SIGNATURE[7:]
        self.assertEqual(webhooks.GITEA, webhooks.verify(
            {'X-Gitea-Signature': bare}, GITHUB_BODY, GITHUB_SECRET))
        self.refused({'X-Gitea-Signature': GITHUB_SIGNATURE})

    def test_gitlab_token_is_the_secret(self):
        self.assertEqual(webhooks.GITLAB, webhooks.verify(
            {'X-Gitlab-Token': GITHUB_SECRET}, b'anything', GITHUB_SECRET))
        self.refused({'X-Gitlab-Token': GITHUB_SECRET + ' '},
                     secret=GITHUB_SECRET + 'x')
        self.refused({'X-Gitlab-Token': 'It'})

    def test_generic(self):
        self.assertEqual(webhooks.GENERIC, webhooks.verify(
            {'X-Solum-Signature': GITHUB_SIGNATURE}, GITHUB_BODY,
            GITHUB_SECRET))
        self.refused({'X-Solum-Signature': 'sha256=' + '0' * 64})

    def test_delivery_ids_and_events(self):
        self.assertEqual('72d3162e', webhooks.delivery_id(
            webhooks.GITHUB, {'X-GitHub-Delivery': '72d3162e'}))
        self.assertIsNone(webhooks.delivery_id(webhooks.GITLAB, {}))
        for kind in (webhooks.GITHUB, webhooks.GITEA, webhooks.GENERIC):
            e = self.assertRaises(webhooks.Refused, webhooks.delivery_id,
                                  kind, {})
            self.assertEqual(400, e.code)
        e = self.assertRaises(webhooks.Refused, webhooks.delivery_id,
                              webhooks.GENERIC,
                              {'X-Solum-Delivery': 'a b\n'})
        self.assertEqual(400, e.code)
        self.assertEqual('push', webhooks.event(webhooks.GENERIC, {}))
        self.assertEqual('push', webhooks.event(
            webhooks.GITLAB, {'X-Gitlab-Event': 'Push Hook'}))
        self.assertEqual('tag push hook', webhooks.event(
            webhooks.GITLAB, {'X-Gitlab-Event': 'Tag Push Hook'}))
        self.assertEqual('ping', webhooks.event(
            webhooks.GITHUB, {'X-GitHub-Event': 'ping'}))

    def test_secrets_are_random(self):
        self.assertNotEqual(webhooks.new_secret(), webhooks.new_secret())
        self.assertGreaterEqual(len(webhooks.new_secret()), 40)


class TestPushFilter(testtools.TestCase):
    source = {'repository': 'https://github.com/Org/App.git',
              'revision': 'main'}

    def commit(self, source=None, **payload):
        body = {'ref': 'refs/heads/main', 'after': SHA,
                'repository': {'clone_url': 'https://github.com/Org/App.git'}}
        body.update(payload)
        return webhooks.push_commit(source or self.source, body)

    def test_tracked_branch_starts(self):
        self.assertEqual((SHA, None), self.commit())
        self.assertEqual((SHA, None), self.commit(
            source={'repository': 'https://github.com/Org/App',
                    'revision': 'refs/heads/main'}))

    def test_urls_compared_loosely(self):
        same = ['https://github.com/org/App', 'git@github.com:Org/App.git',
                'ssh://git@github.com/Org/App.git',
                'https://user@GitHub.com:443/Org/App/',
                'git://github.com/Org/App.git']
        wanted = webhooks.normalize_url(self.source['repository'])
        for url in same[1:]:
            self.assertEqual(wanted, webhooks.normalize_url(url), url)
        self.assertNotEqual(wanted, webhooks.normalize_url(
            'https://github.com/Org/App2'))
        self.assertNotEqual(wanted, webhooks.normalize_url(
            'https://gitlab.com/Org/App'))
        self.assertEqual(webhooks.normalize_url('file:///srv/git/app.git'),
                         webhooks.normalize_url('/srv/git/app'))
        # GitLab's fields.
        self.assertEqual((SHA, None), self.commit(repository={}, project={
            'git_http_url': 'https://github.com/Org/App.git'}))

    def test_ignored(self):
        for payload, why in (
                ({'ref': 'refs/heads/dev'}, 'tracks refs/heads/main'),
                ({'ref': 'refs/tags/v1'}, 'not a branch'),
                ({'ref': None}, 'no ref'),
                ({'after': '0' * 40}, 'deleted'),
                ({'after': 'main'}, 'no pushed commit'),
                ({'repository': {'clone_url': 'https://github.com/x/y'}},
                 'another repository'),
                ({'repository': 'nope'}, 'names no repository')):
            commit, reason = self.commit(**payload)
            self.assertIsNone(commit, payload)
            self.assertIn(why, reason)
        self.assertEqual((None, 'the payload is not a JSON object'),
                         webhooks.push_commit(self.source, []))

    def test_app_following_head(self):
        source = {'repository': self.source['repository']}
        self.assertIn('default branch', self.commit(source=source)[1])
        self.assertEqual((SHA, None), self.commit(source=source, repository={
            'clone_url': self.source['repository'],
            'default_branch': 'main'}))
