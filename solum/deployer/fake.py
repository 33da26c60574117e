"""A deployer driver that runs nothing: it records what it was asked, for
tests of everything around the drivers (API, conductor, releases).

In-process tests read ``FakeDriver.calls``. Tests running deployers as
processes set ``SOLUM_FAKE_DRIVER_JOURNAL`` to a file: each deploy and
scale appends one JSON line there (process, times it began and ended),
taking ``SOLUM_FAKE_DRIVER_DELAY`` seconds as a real one takes time.
"""

import contextlib
import json
import os
import time

from solum import conf
from solum.deployer import driver as base

CONF = conf.CONF


@contextlib.contextmanager
def _journalled(op, target):
    path = os.environ.get('SOLUM_FAKE_DRIVER_JOURNAL')
    began = time.time()
    if path:
        time.sleep(float(os.environ.get('SOLUM_FAKE_DRIVER_DELAY') or 0))
    yield
    if path:
        line = json.dumps({'op': op, 'pid': os.getpid(),
                           'app': target.app.uuid,
                           'release': target.release.number,
                           'image': target.release.image,
                           'replicas': target.replicas,
                           'began': began, 'ended': time.time()})
        # One write of a short line to an O_APPEND file: lines of several
        # processes never interleave.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + '\n').encode())
        finally:
            os.close(fd)


class FakeDriver(base.Driver):
    # Shared by every instance, so that tests can look and steer.
    calls = []
    running = {}          # app uuid -> (release uuid, replicas)
    fail_next = []        # DeployError to raise on the next deploys

    @classmethod
    def reset(cls):
        cls.calls[:] = []
        cls.running.clear()
        cls.fail_next[:] = []

    def app_url(self, app):
        return 'http://%s.%s.apps.test:%d/' % (app.name, app.project_id,
                                               CONF.deployer.router_port)

    def start(self, targets):
        self.calls.append(('start', [t.app.uuid for t in targets]))

    def deploy(self, target, on_serving=None):
        self.calls.append(('deploy', target.app.uuid, target.release.number,
                           target.replicas))
        if self.fail_next:
            raise self.fail_next.pop(0)
        with _journalled('deploy', target):
            self.running[target.app.uuid] = (target.release.uuid,
                                             target.replicas)
            if on_serving is not None:
                on_serving()
        return self.app_url(target.app)

    def scale(self, target):
        self.calls.append(('scale', target.app.uuid, target.replicas))
        with _journalled('scale', target):
            self.running[target.app.uuid] = (target.release.uuid,
                                             target.replicas)

    def undeploy(self, app):
        self.calls.append(('undeploy', app.uuid))
        self.running.pop(app.uuid, None)

    def status(self, app):
        release, replicas = self.running.get(app.uuid, (None, 0))
        return [{'name': 'fake-%d' % i, 'release': release,
                 'state': 'running', 'router_status': 'UP'}
                for i in range(replicas)]

    metrics_value = {'replicas': None, 'rps': None, 'cpu': None}

    def metrics(self, app):
        return dict(self.metrics_value)

    def logs(self, app, since=None, tail=None):
        self.calls.append(('logs', app.uuid, since, tail))
        lines = [{'replica': 'fake-1', 'time': '2026-01-01T00:00:0%dZ' % i,
                  'line': 'line %d' % i} for i in range(3)]
        if since:
            lines = [x for x in lines if x['time'] > since]
        return lines[-tail:] if tail else lines
