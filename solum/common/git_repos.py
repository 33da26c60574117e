"""The bare git repository behind each app's git remote: where it lives,
how it is made, what it holds.

One repository per app, ``$state_path/git/<app uuid>.git``, created on
first use. Its hooks relay every push to the API process that serves it
(solum.cmd.git_hook, solum.api.git_push): the API decides what a push may
do and what it starts. The builder fetches from it as from any file://
repository, so the builder must share the state path (true of solum-all
and of services on one host).
"""

import os
import re
import shutil
import subprocess
import sys

import solum
from solum import conf

CONF = conf.CONF

HOOKS = ('pre-receive', 'post-receive')
ZERO_SHA = '0' * 40
_SHA = re.compile(r'^[0-9a-f]{40}$')
# Branches a push app (one without source.revision) deploys from.
DEFAULT_BRANCHES = ('main', 'master')

# -S: no site-packages scan (40 ms of every push on this machine); the
# hook needs the standard library and this one Solum module only.
_HOOK = '''#!%(python)s -S
# Relays this push to the Solum API serving it (solum.api.git_push).
import sys
sys.path.insert(0, %(package_root)r)
from solum.cmd import git_hook
git_hook.main()
'''


def root():
    return os.path.join(CONF.state_path, 'git')


def repo_name(app_uuid):
    return '%s.git' % app_uuid


def path(app_uuid):
    return os.path.join(root(), repo_name(app_uuid))


def file_url(app_uuid):
    return 'file://' + path(app_uuid)


def is_solum_repository(url, app_uuid):
    return url == file_url(app_uuid)


def git(repo, *args, env=None, check=True):
    """Runs git on ``repo`` with an argument list; its stdout."""
    result = subprocess.run(
        ['git', '--git-dir', repo] + list(args), env=env,
        capture_output=True, text=True, timeout=120)
    if check and result.returncode:
        raise RuntimeError('git %s: %s' % (args[0], result.stderr.strip()))
    return result.stdout


def ensure(app_uuid):
    """The app's repository, made (and its hooks written) if need be."""
    repo = path(app_uuid)
    if not os.path.isdir(os.path.join(repo, 'objects')):
        os.makedirs(root(), mode=0o700, exist_ok=True)
        subprocess.run(['git', 'init', '-q', '--bare', '-b', 'main', repo],
                       check=True, capture_output=True, timeout=60)
        for key, value in (('http.receivepack', 'true'),
                           ('http.uploadpack', 'true'),
                           ('receive.advertisePushOptions', 'true'),
                           # The pre-receive hook decides about deletes and
                           # force pushes, branch by branch.
                           ('receive.denyDeletes', 'false'),
                           ('receive.denyNonFastForwards', 'false'),
                           ('receive.fsckObjects', 'true'),
                           ('core.logAllRefUpdates', 'true')):
            git(repo, 'config', key, value)
    _write_hooks(repo)
    return repo


def _write_hooks(repo):
    text = _HOOK % {'python': sys.executable,
                    'package_root': os.path.dirname(os.path.dirname(
                        os.path.abspath(solum.__file__)))}
    for name in HOOKS:
        hook = os.path.join(repo, 'hooks', name)
        try:
            with open(hook) as f:
                if f.read() == text:
                    continue
        except OSError:
            pass
        tmp = hook + '.tmp'
        with open(tmp, 'w') as f:
            f.write(text)
        os.chmod(tmp, 0o700)  # run by this service's own git only
        os.replace(tmp, hook)


def remove(app_uuid):
    shutil.rmtree(path(app_uuid), ignore_errors=True)


def exists(app_uuid):
    return os.path.isdir(os.path.join(path(app_uuid), 'objects'))


def branch_head(app_uuid, branch):
    """The commit ``branch`` points at, or None."""
    if not exists(app_uuid):
        return None
    out = git(path(app_uuid), 'rev-parse', '--verify', '-q',
              'refs/heads/%s^{commit}' % branch, check=False).strip()
    return out if _SHA.match(out) else None


def tracked_branches(app):
    """The branches whose pushes deploy: source.revision when it names
    one, else main and master."""
    revision = (app.source or {}).get('revision')
    if revision and not _SHA.match(revision):
        return (revision.removeprefix('refs/heads/'),)
    return DEFAULT_BRANCHES


def pushed_source(app):
    """The source of a workflow that builds what was last pushed to a push
    app (one with no source.repository), or None if nothing was."""
    for branch in tracked_branches(app):
        head = branch_head(app.uuid, branch)
        if head:
            return dict(app.source or {}, repository=file_url(app.uuid),
                        revision=head)
    return None


def is_ancestor(repo, old, new, env=None):
    return subprocess.run(
        ['git', '--git-dir', repo, 'merge-base', '--is-ancestor', old, new],
        env=env, capture_output=True, timeout=120).returncode == 0
