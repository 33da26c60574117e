"""workflow_config.release_cmd through the real stack (solum-all, the
local driver, Podman, HAProxy): run once per release before traffic
moves; a failing one fails the release and the earlier one serves on."""

from solum.tests.functional import test_local_deployer as local


class TestReleaseCmd(local.LocalDeployerTestCase):

    def workflow_log(self, app, wf):
        return [x['message'] for x in self.api(
            'GET', '/v1/apps/%s/workflows/%d/logs' % (app['id'],
                                                     wf['wf_id']),
            200).json()]

    def set_release_cmd(self, app, command):
        self.api('PATCH', '/v1/apps/%s' % app['id'], 200,
                 json={'workflow_config': {'release_cmd': command}})

    def test_release_cmd_runs_before_traffic_and_a_failure_keeps_serving(
            self):
        app = self.create_app(
            workflow_config={'release_cmd': 'echo migrated-$GREETING'})
        wf = self.deploy(app, local.image('v1'))
        log = self.workflow_log(app, wf)
        # The app's environment applied, the line in the deploy's log
        # before the release serves.
        self.assertIn('release_cmd: migrated-hi', log)
        self.assertLess(log.index('release_cmd: migrated-hi'),
                        [i for i, line in enumerate(log)
                         if 'is serving at' in line][0])
        self.assertTrue(self.router_get().text.startswith('v1 '))
        # Its container is gone (--rm); only the replica runs.
        self.assertEqual(1, len(self.containers(app)))

        self.set_release_cmd(app, 'echo cannot-migrate; exit 3')
        wf = self.deploy(app, local.image('v2'),
                         expect='ERROR_CODE_DEPLOYMENT')
        self.assertEqual('release 2 failed: release_cmd failed (exit 3): '
                         'cannot-migrate', wf['reason'])
        self.assertIn('release_cmd: cannot-migrate',
                      self.workflow_log(app, wf))
        releases = self.api('GET', '/v1/apps/web/releases', 200).json()
        self.assertEqual([(1, 'ACTIVE'), (2, 'FAILED')],
                         sorted((r['number'], r['status'])
                                for r in releases))
        # The first release serves on; no replica of the second started.
        self.assertEqual({'v1'}, {b[0] for b in self.served_by(5)})
        self.assertEqual(1, len(self.containers(app)))
