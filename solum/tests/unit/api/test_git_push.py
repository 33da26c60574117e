"""What a push to an app's git remote may do (PushPolicy), and a push end
to end: real git, the real hooks of solum.common.git_repos, relayed over
the PushSession's socket."""

import json
import os
import socket
import subprocess
import types

import solum
from solum.api import git_push
from solum.common import disk
from solum.common import git_repos
from solum.tests import base

APP_UUID = 'c0ffee00000000000000000000000001'
ZERO = git_repos.ZERO_SHA


def fake_app(source=None, uuid=APP_UUID):
    return types.SimpleNamespace(uuid=uuid, source=source or {})


class GitTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.env = dict(
            os.environ, GIT_CONFIG_GLOBAL='/dev/null',
            GIT_CONFIG_NOSYSTEM='1', GIT_AUTHOR_NAME='t',
            GIT_AUTHOR_EMAIL='t@example.com', GIT_COMMITTER_NAME='t',
            GIT_COMMITTER_EMAIL='t@example.com', GIT_TERMINAL_PROMPT='0',
            # The hooks import the solum under test.
            PYTHONPATH=os.path.dirname(os.path.dirname(solum.__file__)))
        for name in ('SOLUM_PUSH_SOCKET', 'SOLUM_PUSH_NONCE'):
            self.env.pop(name, None)
        self.bare = git_repos.ensure(APP_UUID)
        self.work = os.path.join(self.state_path, 'work')
        self.run_git('init', '-q', '-b', 'main', self.work)
        self.run_git('-C', self.work, 'remote', 'add', 'origin', self.bare)

    def run_git(self, *args, env=None, check=True):
        result = subprocess.run(['git'] + list(args), env=env or self.env,
                                capture_output=True, text=True, timeout=60)
        if check and result.returncode:
            self.fail('git %s: %s' % (' '.join(args), result.stderr))
        return result

    def commit(self, text='x'):
        with open(os.path.join(self.work, 'file'), 'a') as f:
            f.write(text + '\n')
        self.run_git('-C', self.work, 'add', 'file')
        self.run_git('-C', self.work, 'commit', '-q', '-m', text)
        return self.head()

    def head(self, ref='HEAD'):
        return self.run_git('-C', self.work, 'rev-parse',
                            ref).stdout.strip()

    def store(self, sha, ref):
        """Sets ``ref`` of the bare repository without its hooks (fetch
        runs none)."""
        self.run_git('--git-dir', self.bare, 'fetch', '-q', self.work,
                     '+%s:%s' % (sha, ref))


class TestPushPolicy(GitTestCase):

    def setUp(self):
        super().setUp()
        self.first = self.commit('one')
        self.store(self.first, 'refs/heads/main')
        self.policy = git_push.PushPolicy(fake_app())

    def rewritten(self):
        """A commit that does not descend from self.first, in the bare
        repository (as in a push's quarantine)."""
        self.run_git('-C', self.work, 'checkout', '-q', '--orphan', 'other')
        sha = self.commit('rewritten')
        self.store(sha, 'refs/incoming/rewritten')
        return sha

    def assertRefused(self, updates, text, policy=None):
        e = self.assertRaises(git_push.Refused,
                              (policy or self.policy).check, updates, {})
        self.assertIn(text, str(e))

    def test_fast_forward_allowed(self):
        second = self.commit('two')
        self.store(second, 'refs/incoming/second')
        self.policy.check([[self.first, second, 'refs/heads/main']], {})

    def test_fast_forward_seen_through_the_quarantine_env(self):
        # The new objects are only in the pusher's object directory, as
        # in git's quarantine: the hook env makes them visible.
        second = self.commit('two')
        updates = [[self.first, second, 'refs/heads/main']]
        self.assertRefused(updates, 'force push to main')
        self.policy.check(updates, {
            'GIT_ALTERNATE_OBJECT_DIRECTORIES':
                os.path.join(self.work, '.git', 'objects')})

    def test_new_branch_and_tag_allowed(self):
        self.policy.check([[ZERO, self.first, 'refs/heads/main'],
                           [ZERO, self.first, 'refs/heads/feature'],
                           [ZERO, self.first, 'refs/tags/v1']], {})

    def test_delete_of_tracked_branch_refused(self):
        self.assertRefused([[self.first, ZERO, 'refs/heads/main']],
                           'deleting main')
        self.assertRefused([[self.first, ZERO, 'refs/heads/master']],
                           'deleting master')

    def test_non_fast_forward_refused(self):
        sha = self.rewritten()
        self.assertRefused([[self.first, sha, 'refs/heads/main']],
                           'a force push to main')

    def test_one_refused_update_refuses_the_push(self):
        self.assertRefused([[ZERO, self.first, 'refs/heads/feature'],
                            [self.first, ZERO, 'refs/heads/main']],
                           'deleting main')

    def test_allow_force_push(self):
        policy = git_push.PushPolicy(fake_app({'allow_force_push': True}))
        sha = self.rewritten()
        policy.check([[self.first, sha, 'refs/heads/main']], {})
        policy.check([[self.first, ZERO, 'refs/heads/main']], {})

    def test_untracked_branch_may_be_rewritten_or_deleted(self):
        sha = self.rewritten()
        self.policy.check([[self.first, sha, 'refs/heads/feature']], {})
        self.policy.check([[self.first, ZERO, 'refs/heads/feature']], {})
        self.policy.check([[self.first, ZERO, 'refs/tags/v1']], {})

    def test_tracked_revision(self):
        policy = git_push.PushPolicy(fake_app({'revision': 'dev'}))
        self.assertRefused([[self.first, ZERO, 'refs/heads/dev']],
                           'deleting dev', policy=policy)
        # main is not deployed from: it may go.
        policy.check([[self.first, ZERO, 'refs/heads/main']], {})

    def test_only_branches_and_tags(self):
        for ref in ('refs/notes/x', 'refs/changes/1', 'HEAD',
                    'refs/remotes/origin/main', 'refs/headsx/main'):
            self.assertRefused([[ZERO, self.first, ref]],
                               'only branches and tags')
        policy = git_push.PushPolicy(fake_app({'allow_force_push': True}))
        self.assertRefused([[ZERO, self.first, 'refs/notes/x']],
                           'only branches and tags', policy=policy)

    def test_quota(self):
        self.conf.config(git_repository_mb=0, group='quota')
        self.assertGreater(disk.tree_size(
            os.path.join(self.bare, 'objects')), 0)
        self.assertRefused([[ZERO, self.first, 'refs/heads/feature']],
                           'over its quota of 0 MiB')
        self.conf.config(git_repository_mb=1, group='quota')
        self.policy.check([[ZERO, self.first, 'refs/heads/feature']], {})
        self.conf.config(git_repository_mb=-1, group='quota')
        self.policy.check([[ZERO, self.first, 'refs/heads/feature']], {})


class TestTrackedBranches(base.TestCase):

    def test_revision_names_the_branch(self):
        self.assertEqual(('dev',), git_repos.tracked_branches(
            fake_app({'revision': 'dev'})))
        self.assertEqual(('release/1',), git_repos.tracked_branches(
            fake_app({'revision': 'refs/heads/release/1'})))

    def test_default(self):
        self.assertEqual(('main', 'master'),
                         git_repos.tracked_branches(fake_app()))
        self.assertEqual(('main', 'master'), git_repos.tracked_branches(
            types.SimpleNamespace(uuid=APP_UUID, source=None)))
        self.assertEqual(('main', 'master'), git_repos.tracked_branches(
            fake_app({'revision': ''})))

    def test_commit_revision_is_the_default(self):
        self.assertEqual(('main', 'master'), git_repos.tracked_branches(
            fake_app({'revision': 'ab' * 20})))


class TestDeployingUpdate(base.TestCase):

    def test_picks_the_tracked_branch(self):
        policy = git_push.PushPolicy(fake_app())
        a, b = '1' * 40, '2' * 40
        self.assertEqual((a, b, 'refs/heads/main'), policy.deploying_update(
            [[ZERO, a, 'refs/heads/feature'], [a, b, 'refs/heads/main'],
             [ZERO, b, 'refs/tags/v1']]))
        # main before master, whatever the order pushed.
        self.assertEqual((ZERO, b, 'refs/heads/main'),
                         policy.deploying_update(
                             [[ZERO, a, 'refs/heads/master'],
                              [ZERO, b, 'refs/heads/main']]))
        self.assertEqual((ZERO, a, 'refs/heads/master'),
                         policy.deploying_update(
                             [[ZERO, a, 'refs/heads/master']]))

    def test_ignores_deletes_and_other_refs(self):
        policy = git_push.PushPolicy(fake_app())
        a = '1' * 40
        self.assertIsNone(policy.deploying_update(
            [[a, ZERO, 'refs/heads/main'], [ZERO, a, 'refs/heads/feature'],
             [ZERO, a, 'refs/tags/main'], [ZERO, a, 'refs/heads/main2']]))
        self.assertEqual((ZERO, a, 'refs/heads/master'),
                         policy.deploying_update(
                             [[a, ZERO, 'refs/heads/main'],
                              [ZERO, a, 'refs/heads/master']]))
        self.assertIsNone(policy.deploying_update([]))

    def test_tracked_revision(self):
        policy = git_push.PushPolicy(fake_app({'revision': 'dev'}))
        a = '1' * 40
        self.assertIsNone(policy.deploying_update(
            [[ZERO, a, 'refs/heads/main']]))
        self.assertEqual((ZERO, a, 'refs/heads/dev'),
                         policy.deploying_update(
                             [[ZERO, a, 'refs/heads/dev']]))


class FakeFollower:

    def __init__(self, code=0):
        self.runs = []
        self.code = code

    def run(self, commit, out, follow=True):
        self.runs.append((commit, follow))
        out('deployed %s' % commit)
        return self.code


class TestPushSession(GitTestCase):

    def setUp(self):
        super().setUp()
        self.follower = FakeFollower()
        self.session = git_push.PushSession(
            git_push.PushPolicy(fake_app()), self.follower)
        self.addCleanup(self.session.close)
        self.push_env = dict(self.env, **self.session.env())

    def push(self, *args, env=None):
        return self.run_git('-C', self.work, 'push', 'origin', *args,
                            env=env or self.push_env, check=False)

    def test_push_to_tracked_branch_deploys(self):
        sha = self.commit('one')
        result = self.push('main')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn('remote: deployed %s' % sha, result.stderr)
        self.assertEqual([(sha, True)], self.follower.runs)
        self.assertEqual(sha, git_repos.branch_head(APP_UUID, 'main'))
        # Then a fast-forward.
        second = self.commit('two')
        result = self.push('main')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn('remote: deployed %s' % second, result.stderr)

    def test_nofollow_push_option(self):
        sha = self.commit('one')
        result = self.push('-o', 'nofollow', 'main')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertEqual([(sha, False)], self.follower.runs)

    def test_failed_deploy_keeps_the_commit(self):
        # post-receive runs after the refs moved: its status is shown,
        # the commit stays.
        self.follower.code = 1
        sha = self.commit('one')
        result = self.push('main')
        self.assertIn('remote: deployed %s' % sha, result.stderr)
        self.assertEqual(sha, git_repos.branch_head(APP_UUID, 'main'))

    def test_other_branch_is_stored_only(self):
        sha = self.commit('one')
        result = self.push('main:feature')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertIn('remote: stored; only pushes to main or master deploy',
                      result.stderr)
        self.assertEqual([], self.follower.runs)
        self.assertEqual(sha, git_repos.branch_head(APP_UUID, 'feature'))

    def test_refused_delete(self):
        sha = self.commit('one')
        self.assertEqual(0, self.push('main').returncode)
        result = self.push(':main')
        self.assertNotEqual(0, result.returncode)
        self.assertIn('remote: solum: push refused: deleting main',
                      result.stderr)
        self.assertEqual(sha, git_repos.branch_head(APP_UUID, 'main'))

    def test_refused_force_push_stores_nothing(self):
        self.commit('one')
        self.assertEqual(0, self.push('main').returncode)
        old = git_repos.branch_head(APP_UUID, 'main')
        self.run_git('-C', self.work, 'commit', '-q', '--amend', '-m', 'x')
        result = self.push('+main')
        self.assertNotEqual(0, result.returncode)
        self.assertIn('push refused: a force push to main', result.stderr)
        self.assertEqual(old, git_repos.branch_head(APP_UUID, 'main'))
        self.assertEqual(1, len(self.follower.runs))

    def test_refused_notes(self):
        self.commit('one')
        self.run_git('-C', self.work, 'notes', 'add', '-m', 'n')
        result = self.push('refs/notes/commits')
        self.assertNotEqual(0, result.returncode)
        self.assertIn('push refused: refs/notes/commits: only branches',
                      result.stderr)

    def test_quota_counts_the_pushed_objects(self):
        # The repository is empty: only the objects being pushed (in
        # git's quarantine) can take it over the quota.
        self.conf.config(git_repository_mb=0, group='quota')
        self.assertEqual(0, disk.tree_size(
            os.path.join(self.bare, 'objects')))
        self.commit('one')
        result = self.push('main')
        self.assertNotEqual(0, result.returncode)
        self.assertIn('over its quota of 0 MiB', result.stderr)
        self.assertIsNone(git_repos.branch_head(APP_UUID, 'main'))
        # Nothing stays behind.
        self.assertEqual(0, disk.tree_size(
            os.path.join(self.bare, 'objects')))

    def test_wrong_nonce_is_refused(self):
        self.commit('one')
        env = dict(self.push_env, SOLUM_PUSH_NONCE='0' * 32)
        result = self.push('main', env=env)
        self.assertNotEqual(0, result.returncode)
        self.assertIn('this hook is not part of this push', result.stderr)
        self.assertIsNone(git_repos.branch_head(APP_UUID, 'main'))
        self.assertEqual([], self.follower.runs)

    def test_wrong_nonce_on_the_socket(self):
        for nonce in ('wrong', '', None, self.session.nonce[:-1]):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(10)
                conn.connect(self.session.address)
                message = {'hook': 'post-receive',
                           'updates': [[ZERO, '1' * 40, 'refs/heads/main']]}
                if nonce is not None:
                    message['nonce'] = nonce
                conn.sendall(json.dumps(message).encode() + b'\n')
                answers = [json.loads(line) for line in conn.makefile('rb')]
            self.assertEqual(1, answers[-1]['exit'])
            self.assertIn('not part of this push', answers[0]['out'])
        self.assertEqual([], self.follower.runs)

    def test_hooks_refuse_a_push_outside_the_api(self):
        self.commit('one')
        result = self.push('main', env=self.env)
        self.assertNotEqual(0, result.returncode)
        self.assertIn("push through the app's git remote", result.stderr)
        self.assertIsNone(git_repos.branch_head(APP_UUID, 'main'))

    def test_closed_session(self):
        self.session.close()
        self.assertFalse(os.path.exists(self.session.directory))
        self.commit('one')
        result = self.push('main')
        self.assertNotEqual(0, result.returncode)
        self.assertIsNone(git_repos.branch_head(APP_UUID, 'main'))
