"""The new release's first replica starts while its workflow's tests run
([deployer] start_during_tests), through the real stack: solum-all, the
builder (buildah, the test container), Podman and HAProxy.

While test_cmd still runs, the replica exists, labelled pending for the
workflow, and no request reaches it (the router serves the earlier
release); once the tests pass it is the replica that serves. Failing
tests remove it, and the earlier release serves on.
"""

import json
import os
import subprocess
import time

from solum.tests.functional import samples
from solum.tests.functional import test_local_deployer as local

# Tests that take long enough to look at the replica while they run.
SLOW = 'sleep 4 && python -m unittest -v'


class TestStartDuringTests(local.LocalDeployerTestCase):

    def pending(self, wf_uuid):
        out = subprocess.run(
            ['podman', 'ps', '-a', '--format', 'json', '--filter',
             'label=solum.pending_workflow=%s' % wf_uuid],
            capture_output=True, text=True, check=True).stdout
        return json.loads(out) if out.strip() else []

    def workflow(self, app):
        return self.api('POST', '/v1/apps/%s/workflows' % app['id'], 201,
                        json={'actions': ['unittest', 'build',
                                          'deploy']}).json()

    def status(self, app, wf):
        return self.api('GET', '/v1/apps/%s/workflows/%d' % (
            app['id'], wf['wf_id']), 200).json()

    def set_tests(self, app, test_cmd):
        self.api('PATCH', '/v1/apps/%s' % app['id'], 200,
                 json={'workflow_config': {'test_cmd': test_cmd}})

    def wait_pending_during_tests(self, app, wf):
        """The workflow's pending replica, seen running while the
        workflow is still in its unit-test stage."""
        def seen():
            found = [c for c in self.pending(wf['id'])
                     if c['State'] == 'running']
            return found[0] if found else None
        replica = self.wait_until(seen, timeout=120,
                                  what='a replica during the tests')
        self.assertEqual('UNIT_TESTING', self.status(app, wf)['status'])
        return replica

    def test_the_replica_started_during_the_tests_serves(self):
        repo = os.path.join(self.state_path, 'sample')
        url = samples.commit_python_sample(repo, 'Hello one')
        # The sample's own greeting (its test looks for "Hello").
        app = self.create_app(
            source={'repository': url, 'revision': 'main'},
            workflow_config={'test_cmd': 'python -m unittest -v'},
            parameters={})
        self.wait_workflow(app, self.workflow(app))
        self.assertTrue(self.router_get().text.startswith('Hello one!'))

        # A code change whose tests take a while.
        self.set_tests(app, SLOW)
        samples.commit_python_sample(repo, 'Hello two')
        wf = self.workflow(app)
        replica = self.wait_pending_during_tests(app, wf)
        name = replica['Names'][0]
        # Unrouted: the earlier release answers every request meanwhile.
        for _i in range(10):
            self.assertNotIn(name, self.router_get().text)
        shown = self.wait_workflow(app, wf)
        log = [x['message'] for x in self.api(
            'GET', '/v1/apps/%s/workflows/%d/logs' % (app['id'],
                                                     wf['wf_id']),
            200).json()]
        self.assertIn('release %d: replica %s started during the tests' % (
            shown['result']['release'], name), log)
        # It is the replica that serves, the only one left once the
        # earlier release's is drained and stopped.
        deadline = time.monotonic() + 30
        while True:
            names = sorted((c['Names'][0], c['State'], c['Labels'].get(
                'solum.release_number')) for c in self.containers(app))
            if [n[0] for n in names] == [name] or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual([name], [n[0] for n in names], names)
        self.assertEqual({('Hello', 'two!')}, self.served_by(10))
        self.assertIn(name, self.router_get().text)

        # Failing tests: the replica goes, the release before serves on.
        self.set_tests(app, 'sleep 4 && exit 1')
        samples.commit_python_sample(repo, 'Hello three')
        wf = self.workflow(app)
        self.wait_pending_during_tests(app, wf)
        self.wait_until(
            lambda: self.status(app, wf)['status'] == 'UNIT_TESTING_FAILED',
            timeout=120, what='the tests to fail')
        self.wait_until(lambda: not self.pending(wf['id']), timeout=30,
                        what='the pending replica to go')
        self.assertIn(name, self.router_get().text)
        self.assertEqual([name], [c['Names'][0]
                                  for c in self.containers(app)])
