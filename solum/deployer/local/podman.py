"""A thin wrapper of the podman command line: argument lists only."""

import json
import re
import subprocess
import threading

from oslo_log import log as logging

from solum import conf

CONF = conf.CONF
LOG = logging.getLogger(__name__)


class PodmanError(Exception):
    pass


class PodmanTimeout(PodmanError):
    """An attached container ran past its timeout (it was removed)."""


# podman run's exit status for its own failures (not the command's).
PODMAN_ERROR = 125

_DURATION = re.compile(r'([\d.]+)(h|ms|m|s|us|\u00b5s|ns)')
_UNIT = {'h': 3600.0, 'm': 60.0, 's': 1.0, 'ms': 1e-3, 'us': 1e-6,
         '\u00b5s': 1e-6, 'ns': 1e-9}


def parse_duration(text):
    """Seconds in a Go duration as podman prints it (1m2.5s, 300ms)."""
    return sum(float(n) * _UNIT[u] for n, u in _DURATION.findall(text))


class Podman:

    def __init__(self, executable=None):
        self.executable = executable or CONF.deployer.podman

    def _run(self, args, timeout=120, check=True):
        argv = [self.executable] + list(args)
        try:
            result = subprocess.run(argv, capture_output=True, text=True,
                                    timeout=timeout, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired) as e:
            raise PodmanError('%s failed: %s' % (' '.join(argv[:3]), e))
        if check and result.returncode != 0:
            raise PodmanError('%s failed (%d): %s' % (
                ' '.join(argv[:3]), result.returncode,
                result.stderr.strip()[-2000:]))
        return result

    def run(self, name, image, labels=None, env=None, publish=None,
            command=None, options=()):
        args = ['run', '-d', '--name', name]
        for key, value in sorted((labels or {}).items()):
            args += ['--label', '%s=%s' % (key, value)]
        for key, value in sorted((env or {}).items()):
            args += ['--env', '%s=%s' % (key, value)]
        for host, host_port, container_port in publish or ():
            args += ['--publish', '%s:%d:%d' % (host, host_port,
                                                 container_port)]
        args += list(options)
        args.append(image)
        args += list(command or ())
        return self._run(args).stdout.strip()

    def run_attached(self, name, image, log, timeout, labels=None,
                     env=None, entrypoint=None, command=None, options=()):
        """Run a container to its end (``--rm``), each line it prints
        (stdout and stderr) going to ``log(line)`` as it comes; return
        its exit status. Past ``timeout`` seconds the container is
        removed and PodmanTimeout raised."""
        args = ['run', '--rm', '--name', name]
        for key, value in sorted((labels or {}).items()):
            args += ['--label', '%s=%s' % (key, value)]
        for key, value in sorted((env or {}).items()):
            args += ['--env', '%s=%s' % (key, value)]
        if entrypoint:
            args += ['--entrypoint', json.dumps(list(entrypoint))]
        # Podman's own deadline too, should this process die meanwhile.
        args += ['--timeout', str(timeout + 5)]
        args += list(options)
        args.append(image)
        args += list(command or ())
        argv = [self.executable] + args
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)
        except OSError as e:
            raise PodmanError('podman run failed: %s' % e)
        expired = threading.Event()

        def _expire():
            expired.set()
            # Removing the container ends the attached client too.
            self.remove([name], stop_timeout=0)

        timer = threading.Timer(timeout, _expire)
        timer.daemon = True
        timer.start()
        ended = False
        try:
            for raw in proc.stdout:
                log(raw.decode('utf-8', errors='replace').rstrip('\r\n'))
            returncode = proc.wait()
            ended = True
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            proc.stdout.close()
            if not ended:
                # Killing the client leaves the container running.
                self.remove([name], stop_timeout=0)
        if expired.is_set():
            raise PodmanTimeout('timed out after %d s' % timeout)
        if returncode == PODMAN_ERROR:
            # podman's own failure (not the command's): it may have left
            # the container behind.
            self.remove([name], stop_timeout=0)
        return returncode

    def ps(self, labels=None):
        """Every container (running or not) with all these labels."""
        args = ['ps', '-a', '--format', 'json']
        for key, value in sorted((labels or {}).items()):
            args += ['--filter', 'label=%s=%s' % (key, value)]
        out = self._run(args).stdout.strip()
        return json.loads(out) if out else []

    def state(self, name):
        """The container's state: running, exited, ... or None."""
        result = self._run(['inspect', '--format', '{{.State.Status}}',
                            name], check=False)
        if result.returncode != 0:
            return None
        return result.stdout.strip()

    def remove(self, names, stop_timeout=None):
        names = list(names)
        if not names:
            return
        timeout = CONF.deployer.stop_timeout if stop_timeout is None \
            else stop_timeout
        self._run(['rm', '-f', '-i', '-t', str(timeout)] + names,
                  check=False)

    def logs(self, name, tail=None, since=None, timestamps=True):
        args = ['logs']
        if timestamps:
            args.append('-t')
        if tail is not None:
            args += ['--tail', str(tail)]
        if since:
            args += ['--since', since]
        result = self._run(args + [name], check=False)
        return result.stdout, result.stderr

    def cpu_times(self, names):
        """Seconds of CPU each running container has used."""
        names = list(names)
        if not names:
            return {}
        result = self._run(['stats', '--no-stream', '--format', 'json'] +
                           names, check=False)
        try:
            rows = json.loads(result.stdout or '[]')
        except ValueError:
            return {}
        return {row['name']: parse_duration(row.get('cpu_time', ''))
                for row in rows if 'name' in row}

    def netns(self, names):
        """Container name -> the name of its network namespace under
        /run/netns (as ``ip netns`` and HAProxy know it), in one
        ``podman inspect``; a container that is gone, or has no such
        namespace, is left out."""
        if not names:
            return {}
        # Exit status 125 when one is gone: the others are still printed.
        result = self._run(['inspect', '--format',
                            '{{.Name}} {{.NetworkSettings.SandboxKey}}',
                            '--'] + list(names), check=False)
        found = {}
        for line in result.stdout.splitlines():
            name, _sep, path = line.strip().partition(' ')
            if name in names and re.fullmatch(
                    r'/(var/)?run/netns/[A-Za-z0-9_.-]+', path):
                found[name] = path.rsplit('/', 1)[1]
        return found
