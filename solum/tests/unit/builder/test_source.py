import os
import stat
import subprocess

from solum.builder import process
from solum.builder import source
from solum.common import git_repos
from solum.common import redact
from solum.tests import base


class TestUrlChecks(base.TestCase):

    def test_transports(self):
        self.assertEqual('https', source.transport('https://h/r.git'))
        self.assertEqual('ssh', source.transport('git@h.example:r.git'))
        self.assertEqual('ssh', source.transport('ssh://git@h/r.git'))
        self.assertEqual('file', source.transport('/srv/git/r'))
        self.assertEqual('file', source.transport('file:///srv/git/r'))

    def test_dangerous_urls_are_refused(self):
        for url in ('--upload-pack=touch /tmp/x', '-oProxyCommand=id',
                    'ext::sh -c id', 'fd::17', 'https://h/a b',
                    'https://h/a\nb', 'gopher://h/r', '', None):
            self.assertRaises(source.SourceError, source.check_url, url)

    def test_transport_not_allowed_by_configuration(self):
        self.conf.config(git_allowed_protocols=['https'], group='builder')
        e = self.assertRaises(source.SourceError, source.check_url,
                              'file:///srv/r')
        self.assertIn('the file transport is not allowed', str(e))

    def test_local_repositories_can_be_turned_off(self):
        self.conf.config(allow_local_repositories=False, group='builder')
        self.assertRaises(source.SourceError, source.check_url, '/srv/r')

    def test_build_workspaces_are_refused(self):
        for url in (self.state_path + '/builds', 'file://%s/builds/p/x' %
                    self.state_path, self.state_path + '/x/../builds/p'):
            e = self.assertRaises(source.SourceError, source.check_url, url)
            self.assertIn('build workspaces', str(e))
        # tools/deploy_sample.py keeps its repositories there.
        self.assertEqual('file', source.check_url(self.state_path +
                                                  '/samples/python-hello'))

    def test_revisions(self):
        for rev in ('main', 'v1.0', 'feature/x', 'a' * 40):
            self.assertEqual(rev, source.check_revision(rev))
        self.assertIsNone(source.check_revision(None))
        for rev in ('-x', '--output=/tmp/x', 'a..b', 'a b', 'x.lock',
                    'a\nb'):
            self.assertRaises(source.SourceError, source.check_revision,
                              rev)

    def test_git_config_never_allows_ext_or_fd(self):
        self.conf.config(git_allowed_protocols=['https', 'ext', 'fd'],
                         group='builder')
        args = source.git_config_args()
        self.assertEqual(['-c', 'protocol.allow=never'], args[:2])
        self.assertIn('protocol.https.allow=always', args)
        self.assertNotIn('protocol.ext.allow=always', args)
        self.assertNotIn('protocol.fd.allow=always', args)

    def test_ssh_command_quotes_paths(self):
        cmd = source.ssh_command('/tmp/a b/key', '/tmp/k h')
        self.assertIn("-i '/tmp/a b/key'", cmd)
        self.assertIn("'UserKnownHostsFile=/tmp/k h'", cmd)
        self.assertIn('StrictHostKeyChecking=accept-new', cmd)

    def test_redacts_passwords(self):
        self.assertEqual('https://u:***@h/r.git',
                         redact.url_credentials('https://u:secret@h/r.git'))


class TestOwnRepository(base.TestCase):
    """The app's own git remote ($state_path/git/<uuid>.git)."""

    def setUp(self):
        super().setUp()
        self.uuid = 'c0ffee00000000000000000000000001'
        self.own = git_repos.path(self.uuid)

    def test_other_apps_remotes_are_refused(self):
        other = git_repos.path('d' * 32)
        for url in ('file://' + other, other, self.state_path + '/git',
                    'file://%s/git/x/../%s' % (self.state_path,
                                               os.path.basename(other)),
                    # Its own remote, when not fetched as its own.
                    'file://' + self.own):
            e = self.assertRaises(source.SourceError, source.check_url, url)
            self.assertIn("another app's git remote", str(e))
        e = self.assertRaises(source.SourceError, source.check_url,
                              'file://' + other, own_repository=self.own)
        self.assertIn("another app's git remote", str(e))

    def test_a_symlink_into_the_remotes_is_refused(self):
        os.makedirs(self.own)
        link = os.path.join(self.state_path, 'samples', 'link')
        os.makedirs(os.path.dirname(link))
        os.symlink(self.own, link)
        self.assertRaises(source.SourceError, source.check_url,
                          'file://' + link, own_repository=self.own)

    def test_own_repository_is_always_allowed(self):
        self.conf.config(allow_local_repositories=False, group='builder')
        self.conf.config(git_allowed_protocols=['https'], group='builder')
        self.assertEqual('file', source.check_url(
            git_repos.file_url(self.uuid), own_repository=self.own))
        # Only its exact URL.
        self.assertRaises(source.SourceError, source.check_url,
                          self.own, own_repository=self.own)
        self.assertRaises(source.SourceError, source.check_url,
                          'file://' + self.own + '/', own_repository=self.own)

    def test_git_config_allows_file_for_own_repository_only(self):
        self.conf.config(git_allowed_protocols=['https'], group='builder')
        args = source.git_config_args(own_repository=True)
        self.assertIn('protocol.file.allow=always', args)
        self.assertEqual(['-c', 'protocol.allow=never'], args[:2])
        self.assertIn('core.hooksPath=/dev/null', args)
        self.assertNotIn('protocol.file.allow=always',
                         source.git_config_args())

    def test_fetch_own_repository_with_real_git(self):
        self.conf.config(allow_local_repositories=False, group='builder')
        self.conf.config(git_allowed_protocols=['https'], group='builder')
        env = dict(os.environ, GIT_CONFIG_GLOBAL='/dev/null',
                   GIT_CONFIG_NOSYSTEM='1', GIT_AUTHOR_NAME='t',
                   GIT_AUTHOR_EMAIL='t@example.com', GIT_COMMITTER_NAME='t',
                   GIT_COMMITTER_EMAIL='t@example.com')
        work = os.path.join(self.state_path, 'work')

        def git(*args):
            return subprocess.run(['git'] + list(args), env=env, check=True,
                                  capture_output=True, text=True).stdout

        git('init', '-q', '-b', 'main', work)
        with open(os.path.join(work, 'app.py'), 'w') as f:
            f.write('print(1)\n')
        git('-C', work, 'add', 'app.py')
        git('-C', work, 'commit', '-q', '-m', 'one')
        sha = git('-C', work, 'rev-parse', 'HEAD').strip()
        bare = git_repos.ensure(self.uuid)
        # fetch runs no receive hooks.
        git('--git-dir', bare, 'fetch', '-q', work, 'main:main')
        dest = os.path.join(self.state_path, 'builds', 'src')
        os.makedirs(os.path.dirname(dest))
        lines = []
        self.assertEqual(sha, source.fetch(
            git_repos.file_url(self.uuid), sha, dest, lines.append,
            own_repository=bare))
        self.assertTrue(os.path.isfile(os.path.join(dest, 'app.py')))
        self.assertFalse(os.path.exists(os.path.join(dest, '.git')))


class TestFetch(base.TestCase):

    def setUp(self):
        super().setUp()
        self.calls = []
        self.useFixture(self._patch('run', self._run))
        self.useFixture(self._patch('output', lambda cmd, env=None:
                                    'abc123\n'))
        self.dest = os.path.join(self.state_path, 'w', 'src')
        os.makedirs(os.path.dirname(self.dest))

    @staticmethod
    def _patch(name, func):
        import fixtures
        return fixtures.MonkeyPatch('solum.builder.process.%s' % name, func)

    def _run(self, cmd, log=None, env=None, **kw):
        key = None
        if env and 'GIT_SSH_COMMAND' in env:
            path = env['GIT_SSH_COMMAND'].split(' -i ')[1].split()[0]
            key = (stat.S_IMODE(os.stat(path).st_mode), open(path).read())
        self.calls.append((cmd, env, key))
        if cmd[-3:-1] == ['init', '-q']:
            os.makedirs(cmd[-1])
        return process.Result(0, [], 0.0)

    def test_fetch_uses_argument_lists_and_safe_environment(self):
        sha = source.fetch('/srv/repo', 'main', self.dest, lambda x: None)
        self.assertEqual('abc123', sha)
        cmds = [c for c, _e, _k in self.calls]
        remote = next(c for c in cmds if 'remote' in c)
        self.assertEqual(['--', 'file:///srv/repo'], remote[-2:])
        fetch = next(c for c in cmds if 'fetch' in c)
        self.assertEqual(['origin', '--', 'main'], fetch[-3:])
        self.assertIn('--depth', fetch)
        for cmd, env, _key in self.calls:
            self.assertEqual('git', cmd[0])
            self.assertIn('protocol.allow=never', cmd)
            self.assertEqual('0', env['GIT_TERMINAL_PROMPT'])
            self.assertEqual('/dev/null', env['GIT_CONFIG_GLOBAL'])
        self.assertFalse(os.path.exists(self.dest + '.home'))

    def test_the_commit_is_read_from_the_detached_head(self):
        sha = '0123456789abcdef0123456789abcdef01234567'
        asked = []

        def run(cmd, **kw):
            result = self._run(cmd, **kw)
            if 'checkout' in cmd:
                os.makedirs(os.path.join(self.dest, '.git'))
                with open(os.path.join(self.dest, '.git', 'HEAD'), 'w') as f:
                    f.write(sha + '\n')
            return result
        self.useFixture(self._patch('run', run))
        self.useFixture(self._patch('output', lambda cmd, env=None:
                                    asked.append(cmd) or 'abc123\n'))
        self.assertEqual(sha, source.fetch('/srv/repo', 'main', self.dest,
                                           lambda x: None))
        self.assertEqual([], asked)   # no git rev-parse
        self.assertFalse(os.path.exists(os.path.join(self.dest, '.git')))

    def test_ssh_key_is_private_and_removed(self):
        source.fetch('git@h.example:r.git', None, self.dest, lambda x: None,
                     private_key='-----BEGIN KEY-----\nabc\n'
                                 '-----END KEY-----')
        _cmd, env, key = self.calls[-1]
        self.assertEqual(0o600, key[0])
        self.assertTrue(key[1].endswith('-----END KEY-----\n'))
        fetch = next(c for c, _e, _k in self.calls if 'fetch' in c)
        self.assertEqual('HEAD', fetch[-1])
        self.assertFalse(os.path.exists(self.dest + '.home'))

    def test_git_failure_reason(self):
        def fail(cmd, **kw):
            if 'init' in cmd:
                os.makedirs(cmd[-1])
                return process.Result(0, [], 0)
            if 'fetch' in cmd:
                raise process.CommandError(
                    'git exited 128', returncode=128,
                    tail=["fatal: couldn't find remote ref nope"])
            return process.Result(0, [], 0)
        self.useFixture(self._patch('run', fail))
        e = self.assertRaises(source.SourceError, source.fetch,
                              'https://h/r.git', 'nope', self.dest,
                              lambda x: None)
        self.assertEqual("revision 'nope' not found in https://h/r.git",
                         str(e))

    def test_timeout_reason(self):
        def slow(cmd, **kw):
            if 'init' in cmd:
                os.makedirs(cmd[-1])
                return process.Result(0, [], 0)
            raise process.CommandError('t', timed_out=True)
        self.useFixture(self._patch('run', slow))
        self.conf.config(fetch_timeout=7, group='builder')
        e = self.assertRaises(source.SourceError, source.fetch,
                              'https://h/r.git', 'main', self.dest,
                              lambda x: None)
        self.assertEqual('fetching https://h/r.git timed out after 7 s',
                         str(e))


class TestSafeRead(base.TestCase):

    def test_symlinks_are_not_followed(self):
        root = self.state_path
        with open(os.path.join(root, 'real'), 'w') as f:
            f.write('secret')
        os.symlink(os.path.join(root, 'real'), os.path.join(root, 'link'))
        self.assertEqual('secret', source.safe_read(root, 'real'))
        self.assertIsNone(source.safe_read(root, 'link'))
        self.assertFalse(source.exists(root, 'link'))
        self.assertIsNone(source.safe_read(root, 'missing'))


class TestProcess(base.TestCase):

    def test_streams_lines_and_reports_exit(self):
        lines = []
        result = process.run(['sh', '-c', 'echo one; echo two'],
                             log=lines.append)
        self.assertEqual(0, result.returncode)
        self.assertEqual(['one', 'two'], lines[1:])
        e = self.assertRaises(process.CommandError, process.run,
                              ['sh', '-c', 'echo bad; exit 3'])
        self.assertEqual(3, e.returncode)
        self.assertEqual(['bad'], e.tail)

    def test_timeout_kills(self):
        e = self.assertRaises(process.CommandError, process.run,
                              ['sleep', '5'], timeout=0.3)
        self.assertTrue(e.timed_out)

    def test_timeout_terminates_first(self):
        # The command traps TERM and says so before it ends.
        lines = []
        e = self.assertRaises(
            process.CommandError, process.run,
            ['sh', '-c', 'trap "echo cleaning up; exit 1" TERM; '
             'echo started; while true; do sleep 0.1; done'],
            log=lines.append, timeout=0.5)
        self.assertTrue(e.timed_out)
        self.assertIn('cleaning up', lines)

    def test_watchdog_stops_the_command(self):
        e = self.assertRaises(process.CommandError, process.run,
                              ['sleep', '5'], watchdog=lambda: 'too big',
                              watchdog_interval=0.1)
        self.assertEqual('too big', str(e))

    def test_only_lists(self):
        self.assertRaises(TypeError, process.run, 'echo hi')


