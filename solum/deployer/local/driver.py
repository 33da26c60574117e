"""The local driver: an app's replicas are Podman containers on this
machine, served through one HAProxy router."""

import concurrent.futures
import http.client
import re
import socket
import time
import uuid

from oslo_log import log as logging

from solum import conf
from solum.common import images
from solum.common import locks
from solum.deployer import driver as base
from solum.deployer.local import podman as podman_mod
from solum.deployer.local import router as router_mod

CONF = conf.CONF
LOG = logging.getLogger(__name__)

L_MANAGED = 'solum.managed'
L_HOST = 'solum.host'
L_APP = 'solum.app'
L_PROJECT = 'solum.project'
L_RELEASE = 'solum.release'
L_NUMBER = 'solum.release_number'
L_PORT = 'solum.port'


def _label(value):
    return re.sub(r'[^a-z0-9-]', '-', str(value).lower()).strip('-') or 'x'


# podman logs -t puts the time of the next chunk inside a line that was
# written in pieces (print's text, then its newline).
_EMBEDDED_TIME = re.compile(
    r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) ?$')


def parse_log_line(line):
    """(time, text) of one line of ``podman logs -t``."""
    when, _sep, text = line.partition(' ')
    return when, _EMBEDDED_TIME.sub('', text)


def free_port(host='127.0.0.1'):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def backend_name(app):
    return 'app_' + app.uuid.replace('-', '')


def health_settings(config):
    health = config.get('health') or {}
    return (health.get('path') or CONF.deployer.health_path,
            int(health.get('timeout') or CONF.deployer.health_timeout))


def container_port(config):
    return int((config or {}).get('port') or CONF.deployer.default_port)


def probe(port, path, timeout=1.0):
    """True when the replica answers its health path with 2xx or 3xx."""
    conn = http.client.HTTPConnection('127.0.0.1', port, timeout=timeout)
    try:
        conn.request('GET', path, headers={'Host': 'localhost'})
        return 200 <= conn.getresponse().status < 400
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


class Replica:
    def __init__(self, name, port, release_uuid, state='running'):
        self.name = name
        self.port = port
        self.release_uuid = release_uuid
        self.state = state

    @classmethod
    def from_ps(cls, entry):
        labels = entry.get('Labels') or {}
        names = entry.get('Names') or ['?']
        return cls(names[0], int(labels.get(L_PORT, 0)),
                   labels.get(L_RELEASE), entry.get('State', 'unknown'))


class LocalDriver(base.Driver):

    def __init__(self, podman=None, router=None):
        self.podman = podman or podman_mod.Podman()
        self.router = router or router_mod.Router()
        self._samples = {}

    # -------------------------------------------------------- helpers

    def app_host(self, app):
        return '%s.%s.%s' % (_label(app.name), _label(app.project_id),
                             CONF.deployer.apps_domain)

    def app_path(self, app):
        return '/apps/%s/%s' % (_label(app.project_id), _label(app.name))

    def app_url(self, app):
        return 'http://%s:%d/' % (self.app_host(app),
                                  CONF.deployer.router_port)

    def _routes(self, replicas, release):
        """The replicas as the router's add_servers takes them."""
        names = [r.name for r in replicas]
        netns = self.podman.netns(names) if CONF.deployer.router_netns \
            else {}
        target_port = container_port(release.config)
        return [(r.name, r.port, netns.get(r.name), target_port)
                for r in replicas]

    def _add_to_router(self, app, release, replicas):
        if replicas:
            self.router.add_servers(backend_name(app),
                                    self._routes(replicas, release))

    def _backend(self, app, release):
        path, _timeout = health_settings(release.config)
        return router_mod.Backend(backend_name(app), self.app_host(app),
                                  self.app_path(app), path)

    def _labels(self, app=None):
        labels = {L_MANAGED: 'true', L_HOST: CONF.host}
        if app is not None:
            labels[L_APP] = app.uuid
        return labels

    def replicas(self, app=None):
        return [Replica.from_ps(e) for e in self.podman.ps(self._labels(app))]

    # ------------------------------------------------------ replicas

    def _run_replica(self, app, release):
        config = release.config or {}
        target_port = container_port(config)
        # The root filesystem is read-only: HOME points at the writable
        # /tmp unless the app says otherwise (gunicorn, pip and friends
        # write under HOME).
        env = {'HOME': '/tmp'}  # noqa: S108 (inside the container)
        env.update({str(k): str(v) for k, v in
                    (config.get('env') or {}).items()})
        env['PORT'] = str(target_port)
        env['SOLUM_APP'] = app.name
        env['SOLUM_RELEASE'] = str(release.number)
        name = 'solum-%s-r%d-%s' % (app.uuid[:8], release.number,
                                    uuid.uuid4().hex[:6])
        labels = dict(self._labels(app))
        labels.update({L_PROJECT: app.project_id, L_RELEASE: release.uuid,
                       L_NUMBER: release.number})
        options = [
            '--hostname', name,
            '--memory', CONF.deployer.memory,
            '--cpus', str(CONF.deployer.cpus),
            '--pids-limit', str(CONF.deployer.pids_limit),
            '--read-only', '--read-only-tmpfs=false',
            # the container's own /tmp, a tmpfs: not a host path
            '--tmpfs', '/tmp:rw,nosuid,nodev,size=%s,mode=1777' %  # noqa: S108
            CONF.deployer.tmpfs_size,
            '--user', CONF.deployer.user,
            '--cap-drop', 'all',
            '--security-opt', 'no-new-privileges',
            '--log-driver', 'k8s-file', '--log-opt', 'max-size=10mb',
            '--init',
            '--pull', 'never',
        ]
        command = None
        if config.get('run_cmd'):
            command = ['/bin/sh', '-c', config['run_cmd']]
        last_error = None
        for _attempt in range(3):   # a port taken in between: try another
            port = free_port()
            labels[L_PORT] = port
            try:
                self.podman.run(name, release.image, labels=labels, env=env,
                                publish=[('127.0.0.1', port, target_port)],
                                command=command, options=options)
                return Replica(name, port, release.uuid)
            except podman_mod.PodmanError as e:
                last_error = e
                self.podman.remove([name], stop_timeout=0)
                if 'address already in use' not in str(e):
                    break
        raise base.DeployError('starting a replica of release %d failed: %s'
                               % (release.number, last_error))

    def _wait_healthy(self, replica, path, timeout):
        deadline = time.monotonic() + timeout
        delay = 0.05
        checks = 0
        while time.monotonic() < deadline:
            if probe(replica.port, path):
                return None
            checks += 1
            if checks % 5 == 0:
                state = self.podman.state(replica.name)
                if state not in ('running', 'created', 'configured'):
                    return 'replica %s stopped (%s) before answering %s' % (
                        replica.name, state, path)
            time.sleep(delay)
            delay = min(delay * 1.5, 0.5)
        return 'replica %s did not answer %s with 2xx/3xx within %d s' % (
            replica.name, path, timeout)

    def _last_logs(self, name):
        out, err = self.podman.logs(name, tail=CONF.deployer.log_tail,
                                    timestamps=False)
        lines = (out + err).splitlines()
        return lines[-CONF.deployer.log_tail:]

    def _start_healthy(self, app, release, count):
        """Start ``count`` replicas and wait for all to be healthy; on a
        failure remove them all and raise DeployError."""
        path, timeout = health_settings(release.config)
        started = []
        errors = []
        with concurrent.futures.ThreadPoolExecutor(
                max_workers=min(count, 8) or 1) as pool:
            for result in pool.map(
                    lambda _i: self._try_run(app, release), range(count)):
                if isinstance(result, Replica):
                    started.append(result)
                else:
                    errors.append((result, None))
            if not errors:
                checks = pool.map(
                    lambda r: (self._wait_healthy(r, path, timeout), r),
                    started)
                errors = [(e, r) for e, r in checks if e]
        if errors:
            reason, failing = errors[0]
            logs = self._last_logs(failing.name) if failing else []
            self.podman.remove([r.name for r in started], stop_timeout=0)
            raise base.DeployError(reason, logs)
        return started

    def _try_run(self, app, release):
        try:
            return self._run_replica(app, release)
        except base.DeployError as e:
            return e.reason

    def _retire(self, app, replicas):
        name = backend_name(app)
        for replica in replicas:
            self.router.remove_server(name, replica.name)
        self.podman.remove([r.name for r in replicas])

    # ------------------------------------------------------ operations

    def deploy(self, target, on_serving=None):
        app, release = target.app, target.release
        if not self.router.running():
            self.router.start()
        new = self._start_healthy(app, release, max(target.replicas, 1))
        try:
            self.router.ensure_backend(self._backend(app, release),
                                       self._routes(new, release))
            if on_serving is not None:
                on_serving()
        except Exception:
            self._retire(app, new)
            raise
        old = [r for r in self.replicas(app)
               if r.release_uuid != release.uuid]
        try:
            self._retire(app, old)
        except Exception as e:
            # The new release serves; the next heal removes the rest.
            LOG.warning('Stopping the earlier replicas of app %s failed: '
                        '%s', app.uuid, e)
        return self.app_url(app)

    def scale(self, target):
        app, release = target.app, target.release
        ours = [r for r in self.replicas(app)
                if r.release_uuid == release.uuid]
        running = [r for r in ours if r.state == 'running']
        wanted = max(target.replicas, 0)
        if len(running) < wanted:
            new = self._start_healthy(app, release,
                                      wanted - len(running))
            self.router.ensure_backend(self._backend(app, release),
                                       self._routes(new, release))
        elif len(running) > wanted:
            # The newest replicas go first; the oldest keep serving.
            running.sort(key=lambda r: r.name)
            self._retire(app, running[wanted:])

    def undeploy(self, app):
        self.router.remove_backend(backend_name(app))
        self.podman.remove([r.name for r in self.replicas(app)],
                           stop_timeout=0)
        self._samples.pop(app.uuid, None)

    @staticmethod
    def image_project(image):
        """The project a local image was built for (its
        org.openstack.solum.project label), or None: unlabelled or not
        in the local container storage."""
        return (images.labels(image) or {}).get(images.LABEL_PROJECT)

    def logs(self, app, since=None, tail=None):
        lines = []
        for replica in self.replicas(app):
            out, err = self.podman.logs(replica.name, tail=tail, since=since)
            for text in (out, err):
                for line in text.splitlines():
                    when, rest = parse_log_line(line)
                    lines.append({'replica': replica.name, 'time': when,
                                  'line': rest})
        lines.sort(key=lambda x: x['time'])
        return lines

    def status(self, app):
        stats = self.router.server_stats(backend_name(app))
        result = []
        for replica in self.replicas(app):
            row = stats.get(replica.name, {})
            result.append({'name': replica.name, 'port': replica.port,
                           'release': replica.release_uuid,
                           'state': replica.state,
                           'router_status': row.get('status'),
                           'requests': int(row.get('stot') or 0)})
        return result

    def metrics(self, app):
        """Load of an app since the previous call: total requests/s through
        the router and mean CPU use of its replicas in % of their limit
        (None until there are two samples)."""
        now = time.monotonic()
        running = [r for r in self.replicas(app) if r.state == 'running']
        row = self.router.backend_stats(backend_name(app))
        requests = int(row['req_tot']) if row.get('req_tot') else None
        cpu_times = self.podman.cpu_times([r.name for r in running])
        result = {'replicas': len(running), 'rps': None, 'cpu': None}
        previous = self._samples.get(app.uuid)
        if previous and now > previous['time']:
            elapsed = now - previous['time']
            if requests is not None and previous['requests'] is not None \
                    and requests >= previous['requests']:
                result['rps'] = (requests - previous['requests']) / elapsed
            common = [n for n in cpu_times if n in previous['cpu']]
            if common:
                used = sum(cpu_times[n] - previous['cpu'][n]
                           for n in common)
                result['cpu'] = 100.0 * used / elapsed / len(common) / \
                    CONF.deployer.cpus
        self._samples[app.uuid] = {'time': now, 'requests': requests,
                                   'cpu': cpu_times}
        return result

    # ------------------------------------------- reconcile and healing

    def start(self, targets):
        """Rebuild the router from what runs, then heal: start missing
        replicas and remove orphans."""
        actual = self.replicas()
        self.router.backends = {}
        for target in targets:
            backend = self._backend(target.app, target.release)
            path = backend.health_path
            serving = [r for r in actual
                       if r.release_uuid == target.release.uuid and
                       r.state == 'running' and probe(r.port, path)]
            for route in self._routes(serving, target.release):
                backend.place(*route)
            self.router.backends[backend.name] = backend
        # With nothing to serve, no router is started (it starts with the
        # first deploy); one left running is brought up to date.
        if targets or self.router.running():
            self.router.start()
        self.heal(targets)

    def heal(self, targets, current=None):
        """Replace crashed replicas, start missing ones, remove orphans.

        ``targets`` may be stale by the time an app's lock is taken (a
        deploy finished in between): ``current(app_uuid)`` gives the
        app's target as it is now (None: nothing should run).
        """
        wanted = {t.app.uuid: t for t in targets}
        seen = {(e.get('Labels') or {}).get(L_APP)
                for e in self.podman.ps(self._labels())}
        seen.discard(None)
        for app_uuid in sorted(seen | set(wanted)):
            with locks.app_lock(app_uuid, blocking=False) as held:
                if not held:
                    continue   # a deploy or scale is at work on it
                try:
                    self._heal_one(app_uuid, wanted, current)
                except Exception as e:
                    LOG.warning('Healing app %s failed: %s', app_uuid, e)

    def _heal_one(self, app_uuid, wanted, current):
        target = current(app_uuid) if current else wanted.get(app_uuid)
        if target is None:
            self._remove_orphans(app_uuid)
        else:
            self._heal_app(target, [Replica.from_ps(e) for e in
                                    self.podman.ps(self._labels(
                                        target.app))])

    def _remove_orphans(self, app_uuid):
        labels = self._labels()
        labels[L_APP] = app_uuid
        names = [Replica.from_ps(e).name for e in self.podman.ps(labels)]
        if names:
            LOG.info('Removing %d orphan replicas of app %s', len(names),
                     app_uuid)
            self.podman.remove(names, stop_timeout=0)
        self.router.remove_backend('app_' + str(app_uuid).replace('-', ''))

    @staticmethod
    def _down_too_long(row, timeout):
        """A replica that runs but has failed the router's health checks
        for longer than the app's health timeout (hung) is replaced."""
        if not row or not row.get('status', '').startswith('DOWN'):
            return False
        try:
            return int(row.get('lastchg') or 0) > timeout
        except ValueError:
            return False

    def _heal_app(self, target, replicas):
        app, release = target.app, target.release
        name = backend_name(app)
        backend = self.router.backends.get(name)
        if backend is None:
            self.router.ensure_backend(self._backend(app, release))
            backend = self.router.backends[name]
        _path, timeout = health_settings(release.config)
        stats = self.router.server_stats(name)
        dead = [r for r in replicas if r.release_uuid != release.uuid or
                r.state != 'running' or
                self._down_too_long(stats.get(r.name), timeout)]
        for replica in dead:
            LOG.info('Replacing replica %s of app %s (%s)', replica.name,
                     app.uuid, replica.state)
            self.router.remove_server(name, replica.name, drain_timeout=0)
        if dead:
            self.podman.remove([r.name for r in dead], stop_timeout=0)
        alive = [r for r in replicas if r not in dead]
        self._add_to_router(app, release, [
            r for r in alive if r.name not in backend.servers])
        known = {r.name for r in alive}
        for server in list(backend.servers):
            if server not in known:
                self.router.remove_server(name, server, drain_timeout=0)
        missing = target.replicas - len(alive)
        if missing > 0:
            self._add_to_router(app, release, self._start_healthy(
                app, release, missing))
