"""Fetch an app's source with git: shallow, limited, never through a shell.

The API already refuses repository URLs and revisions that could inject
options or use dangerous transports (solum.api.validation); the fetcher
checks again (defence in depth) and also tells git itself which transports
it may use (``protocol.allow``), so ``ext::`` and ``fd::`` are refused even
if a URL slipped through, including in submodules or redirects.
"""

import hashlib
import os
import re
import shlex
import shutil
import stat
from urllib import parse

from solum import conf
from solum.builder import process
from solum.common import disk
from solum.common import redact

CONF = conf.CONF

_SCP_LIKE = re.compile(r'^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$')
_SHA = re.compile(r'^[0-9a-f]{7,64}$')
# A detached HEAD: the full sha (SHA-1 or SHA-256 repositories).
_DETACHED = re.compile(r'^(?:[0-9a-f]{40}|[0-9a-f]{64})$')
# A branch, tag or commit: what validation.py's schema accepts, and no
# "-" first (it would be read as an option), no "..", no control chars.
_REVISION = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9._/+-]{0,254}$')
_SCHEME_PROTOCOLS = {'https': 'https', 'http': 'http', 'ssh': 'ssh',
                     'git+ssh': 'ssh', 'ssh+git': 'ssh', 'git': 'git',
                     'file': 'file'}


class SourceError(Exception):
    """The source could not be fetched; the message is the reason."""


def transport(url):
    """The git transport ``url`` uses (https, ssh, file, ...).

    Raises SourceError for anything that is not a plain repository URL.
    """
    if not url or not isinstance(url, str):
        raise SourceError('no source repository given')
    if url.startswith('-'):
        raise SourceError('repository URL %r may not start with "-"' % url)
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise SourceError('repository URL may not contain whitespace or '
                          'control characters')
    if '::' in url.split('/', 1)[0]:
        raise SourceError('git remote helpers (such as ext::) are refused: '
                          '%r' % url)
    if url.startswith('/'):
        return 'file'
    if _SCP_LIKE.match(url):
        return 'ssh'
    scheme = parse.urlsplit(url).scheme.lower()
    if scheme not in _SCHEME_PROTOCOLS:
        raise SourceError('repository URL %r: unsupported scheme %r' %
                          (url, scheme))
    return _SCHEME_PROTOCOLS[scheme]


def _inside(real, directory):
    top = os.path.realpath(directory)
    return real == top or real.startswith(top + os.sep)


def check_url(url, own_repository=None):
    """Refuse what this builder will not fetch; return the transport.
    ``own_repository``: the path of the app's own git remote
    (solum.common.git_repos), which it may always fetch."""
    if own_repository and url == 'file://' + own_repository:
        return 'file'
    proto = transport(url)
    allowed = [p.strip() for p in CONF.builder.git_allowed_protocols]
    if proto not in allowed:
        raise SourceError('repository URL %r: the %s transport is not '
                          'allowed on this builder (allowed: %s)' %
                          (url, proto, ', '.join(allowed)))
    if proto == 'file':
        if not CONF.builder.allow_local_repositories:
            raise SourceError('local repositories are not allowed on this '
                              'builder: %r' % url)
        path = url if url.startswith('/') else parse.urlsplit(url).path
        real = os.path.realpath(parse.unquote(path))
        # Other projects' sources being fetched and built live there, and
        # other apps' git remotes.
        if _inside(real, os.path.join(CONF.state_path, 'builds')):
            raise SourceError('repository %r is inside Solum\'s build '
                              'workspaces' % url)
        if _inside(real, os.path.join(CONF.state_path, 'git')):
            raise SourceError('repository %r is another app\'s git remote; '
                              'an app builds from its own remote by a push '
                              'to it' % url)
    return proto


def check_revision(revision):
    if revision is None or revision == '':
        return None
    if (not isinstance(revision, str) or not _REVISION.match(revision)
            or '..' in revision or revision.endswith('.lock')):
        raise SourceError('%r is not a valid git revision (a branch, tag '
                          'or commit; it may not start with "-")' %
                          (revision,))
    return revision


def git_config_args(own_repository=False):
    """``-c`` options every git command of the builder runs with."""
    args = ['-c', 'protocol.allow=never']
    if own_repository:
        args += ['-c', 'protocol.file.allow=always']
    for proto in CONF.builder.git_allowed_protocols:
        proto = proto.strip()
        if proto in ('ext', 'fd') or not re.match(r'^[a-z+]+$', proto):
            continue  # never, whatever the configuration says
        args += ['-c', 'protocol.%s.allow=always' % proto]
    args += ['-c', 'core.hooksPath=/dev/null',
             '-c', 'transfer.fsckObjects=true',
             '-c', 'submodule.recurse=false',
             '-c', 'credential.helper=',
             '-c', 'http.followRedirects=initial',
             '-c', 'advice.detachedHead=false']
    return args


def ssh_command(key_file, known_hosts):
    """GIT_SSH_COMMAND value: git runs it through a shell, so every
    argument is quoted."""
    return shlex.join([
        'ssh', '-F', '/dev/null', '-i', key_file,
        '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes',
        '-o', 'StrictHostKeyChecking=accept-new',
        '-o', 'UserKnownHostsFile=%s' % known_hosts,
        '-o', 'ConnectTimeout=30'])


def git_env(home, ssh_command_value=None):
    env = {
        'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
        'HOME': home,
        'LANG': 'C.UTF-8',
        'GIT_TERMINAL_PROMPT': '0',
        'GIT_ASKPASS': '/bin/false',
        'SSH_ASKPASS': '/bin/false',
        'GIT_CONFIG_NOSYSTEM': '1',
        'GIT_CONFIG_GLOBAL': '/dev/null',
        'GIT_PROTOCOL_FROM_USER': '0',
        'GIT_LFS_SKIP_SMUDGE': '1',
    }
    for name in ('http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY',
                 'HTTPS_PROXY', 'NO_PROXY', 'GIT_SSL_CAINFO'):
        if os.environ.get(name):
            env[name] = os.environ[name]
    if ssh_command_value:
        env['GIT_SSH_COMMAND'] = ssh_command_value
    return env


def fetch(url, revision, dest, log, private_key=None, known_hosts=None,
          own_repository=None):
    """Fetch ``revision`` (default: the remote HEAD) of ``url`` into
    ``dest`` (created; must not exist) and return the commit sha.
    ``own_repository``: as for check_url.

    ``.git`` is removed afterwards: the image build needs the tree only.
    """
    proto = check_url(url, own_repository)
    revision = check_revision(revision)
    if proto == 'file' and url.startswith('/'):
        url = 'file://' + url  # --depth is ignored for plain local paths
    home = dest + '.home'
    os.makedirs(home, mode=0o700)
    ssh_value = None
    try:
        if private_key:
            key_file = os.path.join(home, 'deploy_key')
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                         0o600)
            with os.fdopen(fd, 'w') as f:
                f.write(private_key.strip() + '\n')
            ssh_value = ssh_command(
                key_file, known_hosts or os.path.join(home, 'known_hosts'))
        env = git_env(home, ssh_value)
        git = ['git'] + git_config_args(
            own_repository=url == 'file://%s' % own_repository)
        limit = CONF.builder.max_source_size_mb * 1024 * 1024

        def too_big():
            if os.path.isdir(dest) and disk.tree_size(dest) > limit:
                return ('source is larger than %d MiB' %
                        CONF.builder.max_source_size_mb)
            return None

        def git_run(args, show_url=True):
            try:
                return process.run(
                    git + args, log=log, env=env,
                    timeout=CONF.builder.fetch_timeout, watchdog=too_big,
                    watchdog_interval=2.0,
                    # The -c options above are the same every time.
                    show='git ' + shlex.join(args if show_url else
                                             args[:-1] + ['URL']))
            except process.CommandError as e:
                if e.timed_out:
                    raise SourceError('fetching %s timed out after %d s' %
                                      (redact.url_credentials(url),
                                       CONF.builder.fetch_timeout))
                raise SourceError(_git_reason(url, revision, e))

        git_run(['init', '-q', dest])
        git_run(['-C', dest, 'remote', 'add', 'origin', '--', url],
                show_url=False)
        ref = revision or 'HEAD'
        try:
            git_run(['-C', dest, 'fetch', '--depth', '1', '--no-tags',
                     '--no-recurse-submodules', 'origin', '--', ref])
            git_run(['-C', dest, 'checkout', '-q', '--detach',
                     'FETCH_HEAD'])
        except SourceError:
            if not (revision and _SHA.match(revision)):
                raise
            # Servers that refuse to serve an arbitrary commit: fetch the
            # history, then check the commit out.
            log('the server refused a shallow fetch of commit %s; fetching '
                'the history' % revision)
            git_run(['-C', dest, 'fetch', '--no-tags',
                     '--no-recurse-submodules', 'origin'])
            git_run(['-C', dest, 'checkout', '-q', '--detach', '--',
                     revision])
        sha = _head_commit(dest, git, env)
        if too_big():
            raise SourceError(too_big())
        shutil.rmtree(os.path.join(dest, '.git'), ignore_errors=True)
        log('fetched %s at %s (commit %s)' % (
            redact.url_credentials(url), ref, sha))
        return sha
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _head_commit(dest, git, env):
    """The commit checked out (detached) in ``dest``: read from
    ``.git/HEAD`` (one git process less per build), else asked of git."""
    try:
        with open(os.path.join(dest, '.git', 'HEAD')) as f:
            head = f.read(200).strip()
    except OSError:
        head = ''
    if _DETACHED.match(head):
        return head
    return process.output(git + ['-C', dest, 'rev-parse', 'HEAD'],
                          env=env).strip()


def _git_reason(url, revision, error):
    text = '\n'.join(error.tail)
    shown = redact.url_credentials(url)
    if re.search(r"couldn't find remote ref|not our ref|unadvertised",
                 text, re.I):
        return 'revision %r not found in %s' % (revision or 'HEAD', shown)
    if re.search(r'does not appear to be a git repository|'
                 r'repository .* not found|not found', text, re.I):
        return 'repository %s not found' % shown
    if re.search(r'Permission denied \(publickey|Authentication failed|'
                 r'could not read Username|terminal prompts disabled',
                 text, re.I):
        return ('access to %s was denied: give the app a deploy key the '
                'repository accepts (private_ssh_key)' % shown)
    if re.search(r'Host key verification failed', text):
        return ('the ssh host key of %s changed since the first fetch' %
                shown)
    if re.search(r'transport .* not allowed', text):
        return 'the transport of %s is not allowed' % shown
    if re.search(r'Could not resolve host|Connection refused|timed out',
                 text, re.I):
        return 'cannot reach %s: %s' % (shown, _last_error(text))
    return 'git failed fetching %s: %s' % (shown, _last_error(text) or
                                           str(error))


def _last_error(text):
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith(('fatal:', 'error:')):
            return line.split(':', 1)[1].strip()
    lines = [x for x in text.splitlines() if x.strip()]
    return lines[-1].strip() if lines else ''


def safe_read(root, name, limit=1024 * 1024):
    """The text of ``root/name``, or None: never follows a symlink (a
    repository could point one at a file of the builder host)."""
    path = os.path.join(root, name)
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, 'rb') as f:
        return f.read(limit).decode('utf-8', errors='replace')


def safe_digest(root, name):
    """The SHA-256 (hex) of ``root/name``'s whole content, or None; as
    safe_read, never through a symlink."""
    try:
        fd = os.open(os.path.join(root, name), os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, 'rb') as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return None
        digest = hashlib.sha256()
        for chunk in iter(lambda: f.read(1 << 16), b''):
            digest.update(chunk)
    return digest.hexdigest()


def exists(root, name):
    """Whether ``root/name`` is a regular file (symlinks do not count)."""
    try:
        return stat.S_ISREG(os.lstat(os.path.join(root, name)).st_mode)
    except OSError:
        return False
