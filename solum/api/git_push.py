"""What a git push to an app's remote may do, and what it starts.

The API request serving a push (solum.api.controllers.v1.git) opens a
PushSession: a Unix socket in a private directory, named to git
http-backend's environment with a one-time nonce. The repository's hooks
(solum.cmd.git_hook) connect to it:

* pre-receive: refuse what the app does not allow (deleting or rewriting
  its tracked branch, refs that are not branches or tags, a repository
  over quota); git then stores nothing.
* post-receive: a push to the tracked branch starts the app's
  trigger_actions on the pushed commit and follows the workflow,
  streaming its stages and logs back as git's "remote:" lines until it
  ends, with the URL of the new release or the reason it failed.

A failed build does not reject the push (post-receive runs after the refs
moved): the commit stays stored, and the developer pushes a fix, or runs
the workflow again. ``git push -o nofollow`` starts the workflow without
waiting for it.
"""

import json
import os
import secrets
import shutil
import socket
import tempfile
import threading
import time

from oslo_log import log as logging

from solum import conf
from solum.api import triggers
from solum.common import disk
from solum.common import git_repos
from solum.common import states
from solum.db import api as db_api

CONF = conf.CONF
LOG = logging.getLogger(__name__)

_MIB = 1024 * 1024
_PAGE = 1000
# A banner when the log moves to another stage.
_BANNERS = {
    states.UNITTEST: 'unit tests (test_cmd)',
    states.BUILD: 'build',
    'deployer': 'deploy',
}


class Refused(Exception):
    pass


def _branch(ref):
    return ref[len('refs/heads/'):] if ref.startswith('refs/heads/') else None


class PushPolicy:
    """The pre-receive decisions for one app."""

    def __init__(self, app):
        self.app = app
        self.tracked = git_repos.tracked_branches(app)
        self.allow_rewrite = bool((app.source or {}).get('allow_force_push'))

    def check(self, updates, hook_env):
        repo = git_repos.path(self.app.uuid)
        env = dict(os.environ, **hook_env)
        for old, new, ref in updates:
            if not ref.startswith(('refs/heads/', 'refs/tags/')):
                raise Refused('%s: only branches and tags can be pushed' %
                              ref)
            branch = _branch(ref)
            if branch not in self.tracked or self.allow_rewrite:
                continue
            if new == git_repos.ZERO_SHA:
                raise Refused(
                    'deleting %s, the branch this app deploys from, is '
                    'refused; set source.allow_force_push: true in the app '
                    'file to allow it' % branch)
            if old != git_repos.ZERO_SHA and not git_repos.is_ancestor(
                    repo, old, new, env=env):
                raise Refused(
                    'a force push to %s, the branch this app deploys from, '
                    'is refused (it would rewrite deployed history); push a '
                    'new commit on top, or set source.allow_force_push: '
                    'true in the app file' % branch)
        quota = CONF.quota.git_repository_mb
        if quota >= 0:
            size = disk.tree_size(os.path.join(repo, 'objects'))
            if size > quota * _MIB:
                raise Refused(
                    'the repository would be %.1f MiB, over its quota of '
                    '%d MiB ([quota] git_repository_mb)' % (size / _MIB,
                                                             quota))

    def deploying_update(self, updates):
        """The (old, new, ref) that deploys, or None."""
        for branch in self.tracked:
            for old, new, ref in updates:
                if _branch(ref) == branch and new != git_repos.ZERO_SHA:
                    return old, new, ref
        return None


class PushFollower:
    """Starts the workflow of a push and streams its progress."""

    def __init__(self, app, context, conductor, base_url):
        self.app = app
        self.context = context
        self.conductor = conductor
        self.base_url = base_url

    def run(self, commit, out, follow=True):
        app = db_api.get_app_by_uuid(None, self.app.uuid)
        if app.status == states.DELETING:
            out('the app is being deleted; nothing was started')
            return 0
        if not triggers.builds_commits(app):
            out('stored; the app\'s trigger_actions (%s) do not build a new '
                'commit, so nothing was started' %
                ', '.join(triggers.trigger_actions(app)))
            return 0
        source = dict(app.source or {},
                      repository=git_repos.file_url(app.uuid),
                      revision=commit)
        source.pop('allow_force_push', None)
        wf = triggers.start_on_commit(self.conductor, self.context, app,
                                      source)
        uri = '%s/v1/apps/%s/workflows/%s' % (self.base_url, app.uuid,
                                              wf.uuid)
        out('-----> workflow %d of app %s started on commit %s' % (
            wf.wf_id, app.name, commit[:12]))
        if not follow:
            out('       not following it (-o nofollow): %s' % uri)
            return 0
        return self._follow(wf, uri, out)

    def _follow(self, wf, uri, out):
        deadline = time.monotonic() + CONF.git.push_follow_timeout
        shown = {'after': 0, 'stage': None}
        while True:
            # The status before the lines: when it says finished, the
            # lines read after it are the last ones.
            current = db_api.get_workflow_by_uuid(None, wf.uuid)
            self._show_lines(wf.uuid, shown, out)
            if states.is_finished(current.status, current.actions):
                return self._outcome(current, uri, out)
            if time.monotonic() > deadline:
                out('-----> still %s after %d s; the workflow goes on: %s' % (
                    current.status, CONF.git.push_follow_timeout, uri))
                return 0
            time.sleep(CONF.git.push_follow_interval)

    @staticmethod
    def _show_lines(wf_uuid, shown, out):
        """The log lines after ``shown['after']``, under a banner per
        stage. The conductor's lines (its state moves) are left out: the
        banners and the outcome say the same."""
        while True:
            lines = db_api.get_log_lines(None, wf_uuid,
                                         after_id=shown['after'],
                                         limit=_PAGE)
            for line in lines:
                if line.stage == 'conductor':
                    continue
                if line.stage != shown['stage']:
                    shown['stage'] = line.stage
                    out('-----> %s' % _BANNERS.get(line.stage, line.stage))
                out('       %s' % line.message)
            if lines:
                shown['after'] = lines[-1].id
            if len(lines) < _PAGE:
                return

    @staticmethod
    def _outcome(wf, uri, out):
        result = wf.result or {}
        if wf.status == states.DEPLOYMENT_COMPLETE:
            out('-----> released v%s: %s' % (result.get('release', '?'),
                                              result.get('app_url')))
            return 0
        if wf.status in states.ERROR_STATES:
            out('-----> failed (%s): %s' % (wf.status, wf.reason or
                                            'no reason given'))
            out('       the commit is stored; push a fix, or see %s' % uri)
            return 1
        out('-----> %s' % wf.status)
        return 0


class PushSession:
    """The socket one push's hooks talk to; a daemon thread per hook."""

    def __init__(self, policy, follower):
        self.policy = policy
        self.follower = follower
        self.nonce = secrets.token_hex(16)
        self.directory = tempfile.mkdtemp(prefix='solum-push-')
        self.address = os.path.join(self.directory, 'hooks.sock')
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(self.address)
        self.listener.listen(4)
        self.closed = False
        self.thread = threading.Thread(target=self._accept, daemon=True,
                                       name='git-push-hooks')
        self.thread.start()

    def env(self):
        return {'SOLUM_PUSH_SOCKET': self.address,
                'SOLUM_PUSH_NONCE': self.nonce}

    def close(self):
        self.closed = True
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    def _accept(self):
        while not self.closed:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True,
                             name='git-push-hook').start()

    def _serve(self, conn):
        with conn:
            def send(**message):
                try:
                    conn.sendall(json.dumps(message).encode() + b'\n')
                except OSError:
                    pass  # the push went away; the workflow goes on

            try:
                request = json.loads(conn.makefile('rb').readline() or '{}')
            except ValueError:
                request = {}
            if not secrets.compare_digest(str(request.get('nonce', '')),
                                          self.nonce):
                send(out='solum: this hook is not part of this push',
                     exit=1)
                return
            try:
                code = self._handle(request, lambda text: send(out=text))
            except Exception:
                LOG.exception('The %s hook of a push to app %s failed',
                              request.get('hook'), self.policy.app.uuid)
                send(out='solum: internal error; see the API log')
                code = 1
            send(exit=code)

    def _handle(self, request, out):
        updates = [u for u in request.get('updates', [])
                   if isinstance(u, list) and len(u) == 3]
        if request.get('hook') == 'pre-receive':
            try:
                self.policy.check(updates, {
                    k: v for k, v in (request.get('env') or {}).items()
                    if k.startswith('GIT_')})
            except Refused as e:
                out('solum: push refused: %s' % e)
                return 1
            return 0
        update = self.policy.deploying_update(updates)
        if update is None:
            out('stored; only pushes to %s deploy this app' %
                ' or '.join(self.policy.tracked))
            return 0
        follow = 'nofollow' not in (request.get('push_options') or [])
        return self.follower.run(update[1], out, follow=follow)
