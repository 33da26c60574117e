"""Signed webhooks against a real solum-all with the local deployer: a
bare repository's post-receive hook delivers a signed push on `git push`
and the app serves the pushed commit through the router; replayed,
unsigned, wrongly signed and oversized deliveries start nothing."""

import json
import os
import stat
import subprocess
import urllib.parse

import fixtures
import requests
import yaml

from solum.common import states
from solum.common import webhooks
from solum.tests.functional import base
from solum.tests.functional import deployer_fixtures
from solum.tests.functional import samples

SAMPLE = os.path.join(os.path.dirname(__file__), '..', '..', '..',
                      'examples', 'python-hello', 'app.yaml')

# The hook a user would install in their own server's bare repository:
# GitHub's headers, signed with `openssl dgst -sha256 -hmac`, the body a
# GitHub push payload's fields Solum reads. It keeps what it sent (for
# the replay below) and what Solum answered.
POST_RECEIVE = r'''#!/bin/sh
set -eu
hooks=$(cd "$(dirname "$0")" && pwd)
secret=$(cat "$hooks/webhook-secret")
url=$(cat "$hooks/webhook-url")
while read -r old new ref; do
    n=$(ls "$hooks/sent" | grep -c '[.]json$' || true)
    delivery="push-$n-$new"
    body="$hooks/sent/$n.json"
    repo="file://$(cd "$hooks/.." && pwd)"
    format='{"ref": "%s", "before": "%s", "after": "%s", '
    format="$format"'"repository": {"clone_url": "%s"}}'
    printf "$format" "$ref" "$old" "$new" "$repo" > "$body"
    sig=$(openssl dgst -sha256 -hmac "$secret" -r < "$body" | cut -d' ' -f1)
    printf '%s\n' "$delivery" > "$hooks/sent/$n.delivery"
    printf '%s\n' "$sig" > "$hooks/sent/$n.signature"
    curl -sS --noproxy '*' -o "$hooks/sent/$n.answer" -w '%{http_code}\n' \
        -H 'Content-Type: application/json' \
        -H 'X-GitHub-Event: push' \
        -H "X-GitHub-Delivery: $delivery" \
        -H "X-Hub-Signature-256: sha256=$sig" \
        --data-binary "@$body" "$url" > "$hooks/sent/$n.status"
    echo "solum webhook: $(cat "$hooks/sent/$n.status")" \
        "$(cat "$hooks/sent/$n.answer")"
done
'''


class TestWebhookDeploys(base.FunctionalTestCase):
    rpc_transport = 'local'
    deployer_driver = 'local'

    def setUp(self):
        reason = deployer_fixtures.unavailable()
        for tool in ('openssl', 'curl'):
            if not reason and subprocess.run(['which', tool],
                                             capture_output=True).returncode:
                reason = '%s is not installed' % tool
        if reason:
            self.skipTest(reason)
        super().setUp()
        self.useFixture(fixtures.Timeout(900, gentle=True))
        self.addCleanup(deployer_fixtures.cleanup, 'ft-%s' % self.suffix,
                        self.state_path)
        self.start_service('solum-all')

    def extra_config(self):
        # A small cap, so that the oversized delivery is small too.
        return '[api]\nwebhook_max_body = 4096\n'

    # --------------------------------------------------------- helpers

    def api(self, method, path, status, **kw):
        resp = requests.request(method, self.base_url + path, timeout=30,
                                **kw)
        self.assertEqual(status, resp.status_code, resp.text)
        return resp.json() if resp.content else None

    def git(self, *argv, cwd=None):
        return subprocess.run(
            ['git', '-c', 'user.name=solum-tests', '-c',
             'user.email=solum-tests@localhost'] + list(argv),
            cwd=cwd, check=True, capture_output=True, text=True,
            timeout=60)

    def fetch(self, app_url):
        parts = urllib.parse.urlsplit(app_url)
        return requests.get('http://127.0.0.1:%d%s' % (parts.port,
                                                        parts.path),
                            headers={'Host': parts.netloc}, timeout=10)

    def workflows(self):
        return self.api('GET', '/v1/apps/%s/workflows' % self.app_id, 200)

    def wait_for_workflow(self, wf_uuid):
        def finished():
            wf = self.api('GET', '/v1/apps/%s/workflows/%s' % (
                self.app_id, wf_uuid), 200)
            return wf if states.is_finished(wf['status'],
                                            wf['actions']) else None
        return self.wait_until(finished, timeout=600, interval=0.5,
                               what='workflow %s to finish' % wf_uuid)

    def sent(self, n):
        sent = os.path.join(self.bare, 'hooks', 'sent')

        def read(suffix):
            with open(os.path.join(sent, '%d.%s' % (n, suffix)), 'rb') as f:
                return f.read()
        return {'body': read('json'),
                'delivery': read('delivery').decode().strip(),
                'signature': read('signature').decode().strip(),
                'status': int(read('status')),
                'answer': json.loads(read('answer'))}

    def deliver(self, body, status, delivery, signature=None, **headers):
        headers = dict({'Content-Type': 'application/json',
                        'X-GitHub-Event': 'push',
                        'X-GitHub-Delivery': delivery}, **headers)
        if signature:
            headers['X-Hub-Signature-256'] = 'sha256=' + signature
        resp = requests.post(self.webhook_url, data=body, headers=headers,
                             timeout=30)
        self.assertEqual(status, resp.status_code, resp.text)
        return resp.json()

    def commit_and_push(self, greeting, ref='main'):
        samples.commit_python_sample(self.work, greeting)
        result = self.git('push', 'origin', 'HEAD:refs/heads/%s' % ref,
                          cwd=self.work)
        return result.stdout + result.stderr

    # ------------------------------------------------------------ test

    def test_push_deploys_and_replays_are_refused(self):
        # A developer's clone and "their git server": a bare repository.
        self.work = os.path.join(self.state_path, 'work')
        self.bare = os.path.join(self.state_path, 'hello.git')
        samples.commit_python_sample(self.work, 'Hello zero')
        self.git('clone', '-q', '--bare', self.work, self.bare)
        self.git('remote', 'add', 'origin', self.bare, cwd=self.work)

        with open(SAMPLE) as f:
            document = yaml.safe_load(f)
        document['parameters']['user_params'] = {}
        document['source'] = {'repository': 'file://' + self.bare,
                              'revision': 'main'}
        self.app_id = self.api('POST', '/v1/apps', 201,
                               json=document)['id']
        created = self.api('POST', '/v1/apps/%s/webhook/secret' %
                           self.app_id, 201, json={})
        self.webhook_url = created['webhook_url']
        self.assertEqual('%s/v1/apps/%s/webhook' % (self.base_url,
                                                    self.app_id),
                         self.webhook_url)
        secret = created['secret']
        # Shown once: never in the app, nor in the service's log.
        shown = self.api('GET', '/v1/apps/%s' % self.app_id, 200)
        self.assertNotIn(secret, json.dumps(shown))

        hooks = os.path.join(self.bare, 'hooks')
        os.makedirs(os.path.join(hooks, 'sent'))
        for name, text in (('webhook-secret', secret),
                           ('webhook-url', self.webhook_url)):
            with open(os.path.join(hooks, name), 'w') as f:
                f.write(text)
        hook = os.path.join(hooks, 'post-receive')
        with open(hook, 'w') as f:
            f.write(POST_RECEIVE)
        os.chmod(hook, stat.S_IRWXU)

        # git push -> post-receive -> signed delivery -> 202 -> deployed.
        output = self.commit_and_push('Hello one')
        first = self.sent(0)
        self.assertEqual(202, first['status'], first['answer'])
        self.assertIn('solum webhook: 202', output)
        head = self.git('rev-parse', 'HEAD', cwd=self.work).stdout.strip()
        self.assertEqual(head, first['answer']['commit'])
        # The signature the shell hook made is the one Solum computes.
        self.assertEqual(webhooks.sign(secret, first['body']),
                         first['signature'])
        wf = self.wait_for_workflow(first['answer']['workflow_id'])
        self.assertEqual(states.DEPLOYMENT_COMPLETE, wf['status'],
                         wf.get('reason'))
        app = self.api('GET', '/v1/apps/%s' % self.app_id, 200)
        self.assertTrue(self.fetch(app['app_url']).text.startswith(
            'Hello one!'))

        # A second push deploys the new commit (not the branch's head at
        # build time: the commit the push named).
        self.commit_and_push('Hello two')
        second = self.sent(1)
        self.assertEqual(202, second['status'], second['answer'])
        self.assertNotEqual(first['answer']['commit'],
                            second['answer']['commit'])
        wf = self.wait_for_workflow(second['answer']['workflow_id'])
        self.assertEqual(states.DEPLOYMENT_COMPLETE, wf['status'],
                         wf.get('reason'))
        self.assertTrue(self.fetch(app['app_url']).text.startswith(
            'Hello two!'))
        count = len(self.workflows())
        self.assertEqual(2, count)

        # Another branch: acknowledged, nothing starts.
        self.commit_and_push('Hello feature', ref='feature')
        other = self.sent(2)
        self.assertEqual(200, other['status'])
        self.assertFalse(other['answer']['started'])
        self.assertIn('refs/heads/main', other['answer']['reason'])

        # Replays of the second delivery: same id, then another id.
        answer = self.deliver(second['body'], 200, second['delivery'],
                              second['signature'])
        self.assertEqual('already received', answer['reason'])
        answer = self.deliver(second['body'], 200, 'another-id',
                              second['signature'])
        self.assertEqual('already received', answer['reason'])

        # Unsigned, wrongly signed, signed with the old secret after a
        # rotation, oversized: refused.
        body = json.dumps({'ref': 'refs/heads/main', 'after': 'f' * 40,
                           'repository': {'clone_url': 'file://' +
                                          self.bare}}).encode()
        self.assertIn('not signed', self.deliver(
            body, 401, 'unsigned')['faultstring'])
        self.deliver(body, 401, 'wrong', webhooks.sign('guess', body))
        self.api('POST', '/v1/apps/%s/webhook/secret' % self.app_id, 201,
                 json={})
        self.deliver(body, 401, 'old', webhooks.sign(secret, body))
        big = b'{"pad": "' + b'x' * 8192 + b'"}'
        self.deliver(big, 413, 'big', webhooks.sign(secret, big))
        # No other app answers for a made-up uuid.
        resp = requests.post('%s/v1/apps/%s/webhook' % (
            self.base_url, '0' * 32), data=body, timeout=30)
        self.assertEqual(404, resp.status_code)

        self.assertEqual(count, len(self.workflows()))
        self.assertTrue(self.fetch(app['app_url']).text.startswith(
            'Hello two!'))
        log = self.services['solum-all'].log_tail(lines=100000)
        self.assertNotIn(secret, log)
        self.assertIn('already received', log)
