"""Fakes of Podman and the router for the local driver's unit tests,
their common test base, and a router backend for the router's tests."""

import os
import types

from solum.common import images
from solum.deployer.local import driver
from solum.deployer.local import replicas
from solum.deployer.local import router_config
from solum.tests import base

APP = types.SimpleNamespace(uuid='aaaaaaaa-0000-0000-0000-000000000001',
                            name='web', project_id='Proj_1')


def release(number, **config):
    config.setdefault('port', 5000)
    return types.SimpleNamespace(uuid='rel-%d' % number, number=number,
                                 image='localhost/solum/p/web:%d' % number,
                                 config=config, replicas=1)


def router_backend(name='app_1', servers=None):
    b = router_config.Backend(name, 'web.proj.apps.localhost',
                              '/apps/proj/web', '/healthz')
    b.servers.update(servers or {})
    return b


class FakePodman:
    """``netns_dir``: where each running container's network namespace
    appears (router_config.NETNS_DIR in the tests), removed with it."""

    def __init__(self, netns_dir=None):
        self.netns_dir = netns_dir
        self.containers = {}   # name -> dict as podman ps --format json
        self.runs = []
        self.removed = []
        self.broken_images = set()
        self.rmi = []
        self.local_images = {}   # reference -> labels (the builder's)

    def run(self, name, image, labels=None, env=None, publish=None,
            command=None, options=()):
        self.runs.append({'name': name, 'image': image, 'labels': labels,
                          'env': env, 'publish': publish,
                          'command': command, 'options': list(options)})
        state = 'exited' if image in self.broken_images else 'running'
        self.containers[name] = {'Names': [name], 'State': state,
                                 'Labels': {k: str(v) for k, v in
                                            labels.items()}}
        if self.netns_dir and state == 'running':
            open(os.path.join(self.netns_dir, 'netns-' + name), 'w').close()
        return name

    def ps(self, labels=None):
        return [c for c in self.containers.values()
                if all(c['Labels'].get(k) == v
                       for k, v in (labels or {}).items())]

    def state(self, name):
        c = self.containers.get(name)
        return c and c['State']

    def remove(self, names, stop_timeout=None):
        for name in names:
            self.removed.append(name)
            self.containers.pop(name, None)
            if self.netns_dir:
                try:
                    os.unlink(os.path.join(self.netns_dir, 'netns-' + name))
                except FileNotFoundError:
                    pass

    def logs(self, name, tail=None, since=None, timestamps=True):
        if timestamps:
            return ('2026-01-01T00:00:01Z out of %s\n' % name,
                    '2026-01-01T00:00:00Z err of %s\n' % name)
        return 'Traceback\n', 'boom\n'

    def netns(self, names):
        return {n: 'netns-%s' % n for n in names if n in self.containers}

    def image_labels(self, image):
        labels = self.local_images.get(image)
        return None if labels is None else dict(labels)


class FakeRouter:
    def __init__(self):
        self.backends = {}
        self.events = []
        self.started = 0

    def running(self):
        return self.started > 0

    def start(self):
        self.started += 1

    def ensure_backend(self, backend, replicas=(), drain=()):
        current = self.backends.get(backend.name)
        if current is not None:
            backend.servers = current.servers
        self.backends[backend.name] = backend
        if replicas or drain:
            self.add_servers(backend.name, replicas, drain)

    def remove_backend(self, name):
        self.backends.pop(name, None)
        self.events.append(('remove_backend', name))

    def add_servers(self, backend, replicas, drain=(), ready=()):
        servers = self.backends[backend].servers
        for name, port, netns, target_port in replicas:
            servers[name] = {
                'port': port, 'netns': netns, 'target_port': target_port}
            self.events.append(('add', name))
        for names, state in ((drain, 'drain'), (ready, 'ready')):
            for name in names:
                if name in servers:
                    servers[name]['state'] = state
                    self.events.append((state, name))

    def remove_server(self, backend, name, drain_timeout=None):
        self.backends[backend].servers.pop(name, None)
        self.events.append(('remove', name))

    def remove_servers(self, backend, names, drain_timeout=None):
        for name in names:
            self.remove_server(backend, name, drain_timeout)

    def server_stats(self, backend=None):
        return {}

    def command(self, line):
        self.events.append(('command', line))
        return ''


class LocalDriverTestCase(base.TestCase):
    """A LocalDriver on the fakes; every replica healthy until a test
    sets ``self.healthy`` to False."""

    def setUp(self):
        super().setUp()
        self.conf.config(host='node-1')
        self.conf.config(host_label='node-1', group='deployer')
        self.conf.config(health_timeout=1, group='deployer')
        self.netns_dir = os.path.join(self.state_path, 'netns')
        os.makedirs(self.netns_dir)
        self.patch(router_config, 'NETNS_DIR', self.netns_dir)
        self.podman = FakePodman(self.netns_dir)
        self.router = FakeRouter()
        self.driver = driver.LocalDriver(podman=self.podman,
                                         router=self.router)
        self.healthy = True
        self.patch(replicas, 'probe', lambda port, path: self.healthy)
        self.patch(replicas.time, 'sleep', lambda s: None)
        self.patch(images, 'labels', self.podman.image_labels)
        self.patch(images, 'remove', self._no_image_removal)

    def _no_image_removal(self, refs, log=None):
        raise AssertionError('the deployer removed images %s: they are '
                             'the builder\'s' % refs)

    def servers(self):
        backend = self.router.backends.get(replicas.backend_name(APP))
        return sorted(backend.servers) if backend else []
