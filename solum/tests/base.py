"""Test bases: each test gets its own configuration and SQLite database."""

import os

import fixtures
import futurist._thread
import testtools
from oslo_config import fixture as config_fixture

from solum import conf
from solum.api import policy
from solum.builder import base_images
from solum.common import locks
from solum.common import rpc
from solum.common import states
from solum.db import api as db_api
from solum.db import models
from solum.deployer import fake

CONF = conf.CONF


class TestCase(testtools.TestCase):
    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(60, gentle=True))
        # An RPC server's executor threads notice a shutdown only after
        # this long idle (1 s): each test stopping three servers paid for
        # it. Services keep futurist's default.
        self.useFixture(fixtures.MockPatchObject(
            futurist._thread.ThreadWorker, 'MAX_IDLE_FOR', 0.02))
        self.conf = self.useFixture(config_fixture.Config(CONF))
        # No config files: a test sees only defaults and its overrides.
        CONF([], project='solum', default_config_files=[])
        self.state_path = self.useFixture(fixtures.TempDir()).path
        self.conf.config(state_path=self.state_path)
        self.conf.config(rpc_transport='local')
        # Unit tests run no containers: the fake driver records instead.
        self.conf.config(driver='fake', group='deployer')
        fake.FakeDriver.reset()
        # Unit tests create no real cgroups (the functional builder tests
        # turn them back on).
        self.conf.config(build_cgroups=False, group='builder')
        self.conf.config(
            secret_key='cw_0x689RpI-jtRR7oE8h_eJsKHnqhYlCk1ppHSkESI=',
            group='security')
        # Per-app locks in this test's state path.
        self.addCleanup(locks.reset)
        # Base images seen present by the builder: none yet.
        base_images.reset()
        self.addCleanup(base_images.reset)


class RecordingConductor:
    """Stands in for the conductor's RPC client in a worker's tests: each
    outcome a worker reports becomes the moves the conductor makes of it
    (states.moves), recorded as (expected, target, reason, result) and,
    with ``apply``, made in the database as the conductor's guarded moves
    are."""

    def __init__(self, apply=False):
        self.reports = []
        self.apply = apply

    def report_outcome(self, context, wf_uuid, action, outcome, reason=None,
                       result=None):
        current = db_api.get_workflow_by_uuid(None, wf_uuid).status
        moves = states.moves(action, outcome)
        final = moves[-1][1]
        for expected, target in moves:
            if expected != current:
                continue
            extra = (reason, result) if target == final else (None, None)
            self.reports.append((expected, target) + extra)
            if self.apply and not db_api.transition_workflow(
                    None, wf_uuid, expected, target, reason=extra[0],
                    result=extra[1]):
                return
            current = target


class RecordingDeployer:
    """Stands in for the deployer's RPC client in the builder's tests:
    records (method, workflow_uuid, image or wait) of each cast, and what the
    stage's tests had run by then (``tests_run()`` at the call)."""

    def __init__(self, tests_run=lambda: None):
        self.calls = []
        self.tests_run = tests_run

    def prestart(self, context, workflow_uuid, image):
        self.calls.append(('prestart', workflow_uuid, image,
                           self.tests_run()))

    def discard_prestart(self, context, workflow_uuid, wait=False):
        self.calls.append(('discard_prestart', workflow_uuid, wait,
                           self.tests_run()))


class DbTestCase(TestCase):
    """A fresh SQLite database file per test, schema from the models."""

    def setUp(self):
        super().setUp()
        db_path = os.path.join(self.state_path, 'test.sqlite')
        self.conf.config(connection='sqlite:///%s' % db_path,
                         group='database')
        db_api.reset_engine()
        self.addCleanup(db_api.reset_engine)
        models.Base.metadata.create_all(db_api.get_engine())
        policy.reset()
        self.addCleanup(policy.reset)
        self.addCleanup(rpc.cleanup)
