"""A deployer driver that runs nothing: it records what it was asked, for
tests of everything around the drivers (API, conductor, releases)."""

from solum import conf
from solum.deployer import driver as base

CONF = conf.CONF


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
        self.running[target.app.uuid] = (target.release.uuid,
                                         target.replicas)
        if on_serving is not None:
            on_serving()
        return self.app_url(target.app)

    def scale(self, target, current=None):
        self.calls.append(('scale', target.app.uuid, target.replicas))
        self.running[target.app.uuid] = (target.release.uuid,
                                         target.replicas)

    def undeploy(self, app, images=(), keep_images=False):
        self.calls.append(('undeploy', app.uuid, sorted(images)) +
                          (('keep_images',) if keep_images else ()))
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
