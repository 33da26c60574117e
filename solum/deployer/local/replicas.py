"""The replicas of the local driver: Podman containers on this machine,
labelled as Solum's. Running one (confined, published on loopback only),
probing its health, starting a healthy set, putting replicas into the
router and retiring them; where an app is served (host, path, backend).
"""

import concurrent.futures
import http.client
import re
import socket
import time
import uuid

from solum import conf
from solum.deployer import driver as base
from solum.deployer.local import installation
from solum.deployer.local import podman as podman_mod
from solum.deployer.local import router_config

CONF = conf.CONF

# Health probes of a starting replica: the first after PROBE_FIRST s,
# then PROBE_GROWTH times longer each, at most PROBE_MAX apart (an app up
# in 0.3 s is seen within ~0.1 s of it, not 0.25 s); whether the
# container still runs is asked of podman every STATE_EVERY probes (a
# podman call costs 50-100 ms of CPU the starting app could use).
PROBE_FIRST = 0.02
PROBE_GROWTH = 1.25
PROBE_MAX = 0.1
STATE_EVERY = 10

# The labels of a replica: the deployer's only bookkeeping of what runs.
L_MANAGED = 'solum.managed'
L_HOST = 'solum.host'
L_APP = 'solum.app'
L_PROJECT = 'solum.project'
L_RELEASE = 'solum.release'
L_NUMBER = 'solum.release_number'
L_PORT = 'solum.port'
# A release_cmd's container (no solum.release: never taken for a replica
# of its release; a heal or reconcile removes one left behind).
L_RELEASE_CMD = 'solum.release_cmd'
# A replica started while its workflow's tests run, of a release that
# does not exist yet (prestart.py): until this time (epoch seconds) it is
# left alone by heals and by other deploys; its deploy adopts it.
L_PENDING_UNTIL = 'solum.pending_until'
# ... and the workflow it was started for.
L_PENDING_WORKFLOW = 'solum.pending_workflow'


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


# ------------------------------------------------ where an app is served

def backend_name(app):
    return 'app_' + app.uuid.replace('-', '')


def app_host(app):
    return '%s.%s.%s' % (_label(app.name), _label(app.project_id),
                         CONF.deployer.apps_domain)


def app_path(app):
    return '/apps/%s/%s' % (_label(app.project_id), _label(app.name))


def backend_for(app, release):
    """The router backend of ``app`` serving ``release`` (no servers)."""
    path, _timeout = health_settings(release.config)
    return router_config.Backend(backend_name(app), app_host(app),
                                 app_path(app), path)


# ---------------------------------------------------------------- health

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


def container_env(app, release):
    """The environment of the release's containers: the app's
    user_params, and what Solum sets."""
    # The root filesystem is read-only: HOME points at the writable
    # /tmp unless the app says otherwise (gunicorn, pip and friends
    # write under HOME).
    env = {'HOME': '/tmp'}  # noqa: S108 (inside the container)
    env.update({str(k): str(v) for k, v in
                ((release.config or {}).get('env') or {}).items()})
    env['PORT'] = str(container_port(release.config))
    env['SOLUM_APP'] = app.name
    env['SOLUM_RELEASE'] = str(release.number)
    return env


def confinement_options():
    """podman run options confining an app's container: limits, user,
    read-only root, no capabilities."""
    return [
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


class Replica:
    def __init__(self, name, port, release_uuid, state='running',
                 number=None, pending_until=None):
        self.name = name
        self.port = port
        self.release_uuid = release_uuid
        self.state = state
        self.number = number
        self.pending_until = pending_until
        # Its network namespace, when start_healthy looked it up already.
        self.netns = None

    @classmethod
    def from_ps(cls, entry):
        labels = entry.get('Labels') or {}
        names = entry.get('Names') or ['?']
        return cls(names[0], int(labels.get(L_PORT, 0)),
                   labels.get(L_RELEASE), entry.get('State', 'unknown'),
                   number=_number(labels.get(L_NUMBER)),
                   pending_until=_number(labels.get(L_PENDING_UNTIL)))

    def pending(self, after=0, now=None):
        """True while this is a replica started during its workflow's
        tests for a release still to come: numbered after release
        ``after`` (the active or deploying one; a replica adopted by its
        deploy keeps its label, and its release is never after the
        active one), and its time not run out."""
        if self.pending_until is None or self.number is None or \
                self.number <= after:
            return False
        return (time.time() if now is None else now) < self.pending_until


def _number(value):
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


class Replicas:
    """This host's replicas, through ``podman``, and their servers in
    ``router``."""

    def __init__(self, podman, router):
        self.podman = podman
        self.router = router

    def labels(self, app=None):
        """The labels of this host's replicas (of ``app``)."""
        labels = {L_MANAGED: 'true', L_HOST: installation.host_label()}
        if app is not None:
            labels[L_APP] = app.uuid
        return labels

    def find(self, app=None):
        """The replicas that exist on this host (of ``app``), any state."""
        return [Replica.from_ps(e) for e in self.podman.ps(self.labels(app))]

    # ---------------------------------------------------------- router

    def routes(self, replicas, release):
        """The replicas as the router's add_servers takes them."""
        netns = {}
        if CONF.deployer.router_netns:
            netns = {r.name: r.netns for r in replicas if r.netns}
            unknown = [r.name for r in replicas if not r.netns]
            if unknown:
                netns.update(self.podman.netns(unknown))
        # A namespace gone from under a replica that still runs: reached
        # at its published port instead (HAProxy cannot enter it).
        netns = {n: ns for n, ns in netns.items()
                 if router_config.netns_exists(ns)}
        target_port = container_port(release.config)
        return [(r.name, r.port, netns.get(r.name), target_port)
                for r in replicas]

    def add_to_router(self, app, release, replicas):
        if replicas:
            self.router.add_servers(backend_name(app),
                                    self.routes(replicas, release))

    def retire(self, app, replicas):
        """Take replicas out of the router (drained), then remove them."""
        self.router.remove_servers(backend_name(app),
                                   [r.name for r in replicas])
        self.podman.remove([r.name for r in replicas])

    # ------------------------------------------------------- starting

    def _run_replica(self, app, release, pending=None):
        config = release.config or {}
        target_port = container_port(config)
        env = container_env(app, release)
        name = 'solum-%s-r%d-%s' % (app.uuid[:8], release.number,
                                    uuid.uuid4().hex[:6])
        labels = dict(self.labels(app))
        labels.update({L_PROJECT: app.project_id, L_RELEASE: release.uuid,
                       L_NUMBER: release.number})
        if pending is not None:
            labels[L_PENDING_WORKFLOW], until = pending
            labels[L_PENDING_UNTIL] = '%d' % until
        options = ['--hostname', name] + confinement_options()
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

    def run_release_command(self, app, release, log):
        """Run the release's release_cmd in a throw-away container of its
        image, as a replica runs (environment, user, limits, network),
        without a published port; its exit status."""
        name = 'solum-%s-r%d-release-%s' % (app.uuid[:8], release.number,
                                            uuid.uuid4().hex[:6])
        labels = dict(self.labels(app))
        labels.update({L_PROJECT: app.project_id,
                       L_RELEASE_CMD: release.uuid,
                       L_NUMBER: release.number})
        timeout = CONF.deployer.release_cmd_timeout
        try:
            return self.podman.run_attached(
                name, release.image, labels=labels,
                env=container_env(app, release),
                entrypoint=['/bin/sh', '-c'],
                command=[release.config['release_cmd']],
                options=['--hostname', name] + confinement_options(),
                log=log, timeout=timeout)
        except podman_mod.PodmanTimeout:
            raise base.ReleaseCommandTimeout(timeout)
        except podman_mod.PodmanError as e:
            raise base.DeployError('running the release_cmd of release %d '
                                   'failed: %s' % (release.number, e))

    def _wait_healthy(self, replica, path, timeout):
        deadline = time.monotonic() + timeout
        delay = PROBE_FIRST
        checks = 0
        while time.monotonic() < deadline:
            if probe(replica.port, path):
                return None
            checks += 1
            if checks % STATE_EVERY == 0:
                state = self.podman.state(replica.name)
                if state not in ('running', 'created', 'configured'):
                    return 'replica %s stopped (%s) before answering %s' % (
                        replica.name, state, path)
            time.sleep(delay)
            delay = min(delay * PROBE_GROWTH, PROBE_MAX)
        return 'replica %s did not answer %s with 2xx/3xx within %d s' % (
            replica.name, path, timeout)

    def _last_logs(self, name):
        out, err = self.podman.logs(name, tail=CONF.deployer.log_tail,
                                    timestamps=False)
        lines = (out + err).splitlines()
        return lines[-CONF.deployer.log_tail:]

    def start_unrouted(self, app, release, workflow_uuid, pending_until):
        """Start one replica of ``release`` (which need not be recorded
        yet) labelled pending for ``workflow_uuid`` until
        ``pending_until``, and look up its namespace for the router; no
        health wait."""
        replica = self._run_replica(app, release,
                                    pending=(workflow_uuid, pending_until))
        if CONF.deployer.router_netns:
            self.look_up_netns([replica])
        return replica

    def remove_pending(self, workflow_uuid):
        """Remove the replicas pending for ``workflow_uuid`` (started by
        any deployer of this host); their names."""
        labels = self.labels()
        labels[L_PENDING_WORKFLOW] = workflow_uuid
        names = [Replica.from_ps(e).name for e in self.podman.ps(labels)]
        self.podman.remove(names, stop_timeout=0)
        return names

    def start_healthy(self, app, release, count, adopted=()):
        """Start ``count`` replicas (less the ``adopted`` ones, already
        running) and wait for all to be healthy; on a failure remove them
        all and raise DeployError."""
        path, timeout = health_settings(release.config)
        started = list(adopted)[:count]
        errors = []
        with concurrent.futures.ThreadPoolExecutor(
                max_workers=min(count, 8) + 1) as pool:
            for result in pool.map(
                    lambda _i: self._try_run(app, release),
                    range(count - len(started))):
                if isinstance(result, Replica):
                    started.append(result)
                else:
                    errors.append((result, None))
            unknown = [r for r in started if r.netns is None]
            if not errors:
                # The namespaces the router will need, looked up while
                # the replicas start (one podman call off the path; an
                # adopted replica's is known already).
                lookup = pool.submit(self.look_up_netns, unknown) \
                    if CONF.deployer.router_netns and unknown else None
                checks = pool.map(
                    lambda r: (self._wait_healthy(r, path, timeout), r),
                    started)
                errors = [(e, r) for e, r in checks if e]
                if lookup is not None:
                    lookup.result()
        if errors:
            reason, failing = errors[0]
            logs = self._last_logs(failing.name) if failing else []
            self.podman.remove([r.name for r in started], stop_timeout=0)
            raise base.DeployError(reason, logs)
        return started

    def look_up_netns(self, replicas):
        """Set each replica's ``netns`` (routes() asks podman for those
        left unknown)."""
        try:
            found = self.podman.netns([r.name for r in replicas])
        except podman_mod.PodmanError:
            return
        for replica in replicas:
            replica.netns = found.get(replica.name)

    def _try_run(self, app, release):
        try:
            return self._run_replica(app, release)
        except base.DeployError as e:
            return e.reason
