"""git's smart HTTP protocol, served by ``git http-backend`` run as a CGI
program with an argument list (no shell), its answer streamed back as
it is written: a push's "remote:" lines reach the developer while the
hooks run."""

import os
import subprocess
import threading

import webob
from oslo_log import log as logging

from solum import conf
from solum.common import git_repos

CONF = conf.CONF
LOG = logging.getLogger(__name__)

_CHUNK = 65536
# Request headers git http-backend reads (as CGI variables).
_PASSED_HEADERS = ('HTTP_CONTENT_ENCODING', 'HTTP_GIT_PROTOCOL')


def _cgi_env(request, repo_path_info, remote_user, extra):
    env = {
        'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
        'HOME': git_repos.root(),
        'GIT_PROJECT_ROOT': git_repos.root(),
        'GIT_HTTP_EXPORT_ALL': '1',
        'GIT_CONFIG_NOSYSTEM': '1',
        'GATEWAY_INTERFACE': 'CGI/1.1',
        'REQUEST_METHOD': request.method,
        'PATH_INFO': repo_path_info,
        'QUERY_STRING': request.query_string,
        'CONTENT_TYPE': request.content_type or '',
        'REMOTE_USER': remote_user,
        'REMOTE_ADDR': request.remote_addr or '',
    }
    if request.content_length is not None:
        env['CONTENT_LENGTH'] = str(request.content_length)
    for name in _PASSED_HEADERS:
        if name in request.environ:
            env[name] = request.environ[name]
    env.update(extra)
    return env


def _feed(stdin, body_file, length):
    """Copies the request body to git (at most ``length`` bytes when the
    length is known), then closes its stdin."""
    try:
        remaining = length
        while remaining is None or remaining > 0:
            size = _CHUNK if remaining is None else min(_CHUNK, remaining)
            data = body_file.read(size)
            if not data:
                break
            stdin.write(data)
            if remaining is not None:
                remaining -= len(data)
    except (BrokenPipeError, OSError):
        pass
    finally:
        try:
            stdin.close()
        except OSError:
            pass


def _drain(stream, lines):
    for line in stream:
        lines.append(line.decode(errors='replace').rstrip())
        del lines[:-20]


def _read_headers(stdout):
    status = '200 OK'
    headers = []
    while True:
        line = stdout.readline()
        if not line or line in (b'\r\n', b'\n'):
            return status, headers
        name, _, value = line.decode('latin-1').partition(':')
        name, value = name.strip(), value.strip()
        if name.lower() == 'status':
            status = value
        else:
            headers.append((name, value))


def serve(request, app_uuid, rest, remote_user, extra_env=None,
          on_close=None):
    """A webob.Response streaming what git http-backend answers for
    ``rest`` (``info/refs``, ``git-receive-pack``...) of the app's
    repository. ``on_close`` runs when the answer has been sent (or the
    client went away)."""
    git_repos.ensure(app_uuid)
    env = _cgi_env(request, '/%s/%s' % (git_repos.repo_name(app_uuid), rest),
                   remote_user, extra_env or {})
    proc = subprocess.Popen(['git', 'http-backend'], env=env,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    errors = []
    threads = [
        threading.Thread(target=_feed, args=(proc.stdin, request.body_file,
                                             request.content_length),
                         daemon=True),
        threading.Thread(target=_drain, args=(proc.stderr, errors),
                         daemon=True),
    ]
    for thread in threads:
        thread.start()
    timer = threading.Timer(CONF.git.backend_timeout, proc.kill)
    timer.daemon = True
    timer.start()
    status, headers = _read_headers(proc.stdout)

    def body():
        try:
            while True:
                data = proc.stdout.read1(_CHUNK)
                if not data:
                    break
                yield data
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            proc.stdout.close()
            for thread in threads:
                thread.join(5)
            if proc.returncode:
                LOG.warning('git http-backend for app %s (%s) exited %s: %s',
                            app_uuid, rest, proc.returncode,
                            ' | '.join(errors[-3:]))
            if on_close:
                on_close()

    response = webob.Response(status=status, headerlist=headers,
                              app_iter=body())
    return response
