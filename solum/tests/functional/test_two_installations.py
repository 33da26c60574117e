"""Two Solums on one machine with default settings (no [DEFAULT] host, no
[deployer] host_label; each its own state path): each serves its app and
neither takes the other's replicas for orphans."""

import contextlib
import os
import subprocess
import time

import fixtures

from solum.tests.functional import base
from solum.tests.functional import deployer_fixtures as fx
from solum.tests.functional import test_local_deployer as tld

HEAL_PERIODS = 3


class Installation:
    """What differs between the two: state, database, ports, config."""

    ATTRS = ('state_path', 'db', 'api_port', 'router_port', 'base_url',
             'config_file')

    def __init__(self, test):
        for name in self.ATTRS:
            setattr(self, name, getattr(test, name))

    def label(self):
        try:
            with open(os.path.join(self.state_path,
                                   'deployer-host-label')) as f:
                return f.read().strip()
        except OSError:
            return None


class TestTwoInstallations(tld.LocalDeployerTestCase):
    own_host_label = False

    def setUp(self):
        super().setUp()   # the first installation, running
        self.first = Installation(self)
        self.addCleanup(self.remove_replicas, self.first)
        # The second: its own state path, database and ports.
        self.state_path = self.useFixture(fixtures.TempDir()).path
        self.db = self.useFixture(base.Database(self.backend,
                                                self.state_path))
        self.api_port = base.free_port()
        self.router_port = base.free_port()
        self.base_url = 'http://127.0.0.1:%d' % self.api_port
        self.config_file = os.path.join(self.state_path, 'solum.conf')
        self.write_config()
        self.second = Installation(self)
        self.addCleanup(self.remove_replicas, self.second)
        self.apps = {}
        self.start_service('solum-all', label='solum-all-2')

    @contextlib.contextmanager
    def at(self, installation):
        saved = Installation(self)
        for name in Installation.ATTRS:
            setattr(self, name, getattr(installation, name))
        try:
            yield
        finally:
            for name in Installation.ATTRS:
                setattr(self, name, getattr(saved, name))

    def remove_replicas(self, installation):
        # By app as well as by label: with labels that are not unique
        # (what this test guards against) the label names both.
        app = self.apps.get(installation.state_path)
        if app is not None:
            out = subprocess.run(
                ['podman', 'ps', '-aq', '--filter',
                 'label=solum.app=%s' % app['id']], capture_output=True,
                text=True).stdout.split()
            if out:
                subprocess.run(['podman', 'rm', '-f', '-t', '0'] + out,
                               capture_output=True)
        fx.cleanup(installation.label() or 'no-such-label',
                   installation.state_path)

    def deploy_one(self, installation, name):
        with self.at(installation):
            app = self.create_app(name=name)
            self.apps[installation.state_path] = app
            self.deploy(app, tld.image('v1'))
            self.assertEqual(200, self.router_get(name).status_code)
            return app

    def replica_ids(self, app):
        return sorted(c['Id'] for c in self.containers(app))

    def test_neither_removes_the_others_replicas(self):
        first_app = self.deploy_one(self.first, 'one')
        second_app = self.deploy_one(self.second, 'two')
        first_label, second_label = self.first.label(), self.second.label()
        self.assertNotEqual(first_label, second_label)
        for label in (first_label, second_label):
            self.assertRegex(label, r'^localhost-[0-9a-f]{8}$')
        ids = {'one': self.replica_ids(first_app),
               'two': self.replica_ids(second_app)}
        self.assertEqual(1, len(ids['one']))
        self.assertEqual(1, len(ids['two']))
        labels = {c['Labels']['solum.host'] for app in (first_app,
                                                        second_app)
                  for c in self.containers(app)}
        self.assertEqual({first_label, second_label}, labels)

        # Over a few heal periods (check_interval = 1 s) both keep their
        # replica and serve.
        deadline = time.monotonic() + HEAL_PERIODS + 0.5
        while time.monotonic() < deadline:
            self.assertEqual(ids, {'one': self.replica_ids(first_app),
                                   'two': self.replica_ids(second_app)})
            for installation, name in ((self.first, 'one'),
                                       (self.second, 'two')):
                with self.at(installation):
                    self.assertEqual(200, self.router_get(name).status_code)
            time.sleep(0.25)
