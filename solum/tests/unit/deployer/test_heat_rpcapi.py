"""The undeploy call waits as long as the Heat driver may take."""

from unittest import mock

from solum.deployer import rpcapi
from solum.tests import base


class TestUndeployTimeout(base.TestCase):

    def call_timeout(self):
        api = rpcapi.DeployerAPI()
        client = mock.Mock()
        with mock.patch.object(rpcapi.DeployerAPI, 'client', client):
            api.undeploy(mock.sentinel.context, 'app-1')
        client.prepare.assert_called_once_with(version='1.0',
                                               timeout=mock.ANY)
        client.prepare.return_value.call.assert_called_once_with(
            mock.sentinel.context, 'undeploy', app_uuid='app-1')
        return client.prepare.call_args.kwargs['timeout']

    def test_without_heat_the_old_ten_minutes(self):
        self.conf.config(driver='local', group='deployer')
        self.assertEqual(600, self.call_timeout())

    def test_heat_outlasts_its_own_deadlines(self):
        self.conf.config(driver='heat', group='deployer')
        # The default 30 min stack timeout: the driver waits 31 min for
        # a delete, and as long again for each operation of a deploy in
        # flight, which the delete waits for.
        timeout = self.call_timeout()
        self.assertEqual(3 * 31 * 60 + 120 + 300, timeout)
        self.assertGreater(timeout, 31 * 60)

    def test_heat_as_an_allowed_driver_and_its_settings(self):
        self.conf.config(driver='local', allowed_drivers=['heat'],
                         group='deployer')
        self.conf.config(stack_timeout=60, probe_timeout=30, group='heat')
        self.assertEqual(3 * 61 * 60 + 30 + 300, self.call_timeout())
