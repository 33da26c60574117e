"""Every rpcapi client over oslo.messaging's in-process transport, against
RPC servers of the versions a rolling upgrade meets: this release's, and
the previous release's (1.1) reached through a client pinned with
``[upgrade_levels]``."""

import threading

import oslo_messaging as messaging

from solum.builder import rpcapi as builder_rpcapi
from solum.common import context as solum_context
from solum.common import rpc
from solum.common import states
from solum.conductor import rpcapi as conductor_rpcapi
from solum.deployer import rpcapi as deployer_rpcapi
from solum.tests import base


class Recorder:
    """An RPC endpoint of a given version that records each message it
    gets; every method answers None."""

    def __init__(self, version, methods):
        self.target = messaging.Target(version=version)
        self.received = []
        self.arrived = threading.Condition()
        for name in methods:
            setattr(self, name, self._recording(name))

    def _recording(self, name):
        def method(context, **kwargs):
            with self.arrived:
                self.received.append((name, kwargs))
                self.arrived.notify_all()
        return method

    def wait_for(self, count, timeout=10):
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count,
                                  timeout)
        return self.received


CONDUCTOR_1_1 = ('start_workflow', 'report_state', 'delete_app',
                 'build_language_pack', 'rollback_app', 'scale_app',
                 'app_logs', 'app_status')
CONDUCTOR_1_2 = CONDUCTOR_1_1 + ('report_outcome',)
DEPLOYER_1_1 = ('deploy', 'undeploy', 'scale', 'app_logs', 'app_status')
BUILDER_1_0 = ('unit_test', 'build', 'build_language_pack',
               'delete_app_images')


class RpcTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.addCleanup(rpc.cleanup)
        self.context = solum_context.RequestContext(project_id='p1')

    def serve(self, topic, version, methods):
        endpoint = Recorder(version, methods)
        server = rpc.get_server(topic, [endpoint])
        server.start()
        self.addCleanup(server.wait)
        self.addCleanup(server.stop)
        return endpoint

    def pin(self, service, version):
        self.conf.config(**{service: version, 'group': 'upgrade_levels'})


class TestConductorAPI(RpcTestCase):

    def test_outcomes_go_to_a_current_conductor_as_outcomes(self):
        conductor = self.serve('solum-conductor', '1.2', CONDUCTOR_1_2)
        api = conductor_rpcapi.ConductorAPI()
        api.report_outcome(self.context, 'wf-1', states.DEPLOY,
                           states.SERVING, result={'release': 3})
        self.assertEqual([('report_outcome', {
            'workflow_uuid': 'wf-1', 'action': 'deploy',
            'outcome': 'serving', 'reason': None,
            'result': {'release': 3}})], conductor.wait_for(1))

    def test_a_pinned_client_sends_a_1_1_conductor_the_moves(self):
        self.pin('conductor', '1.1')
        conductor = self.serve('solum-conductor', '1.1', CONDUCTOR_1_1)
        api = conductor_rpcapi.ConductorAPI()
        api.report_outcome(self.context, 'wf-1', states.DEPLOY,
                           states.SERVING, result={'release': 3})
        # Calls, so they apply in order; the reason and result go with
        # the final move.
        self.assertEqual([
            ('report_state', {'workflow_uuid': 'wf-1',
                              'expected': 'DEPLOYING',
                              'target': 'STARTING_APP'}),
            ('report_state', {'workflow_uuid': 'wf-1',
                              'expected': 'STARTING_APP',
                              'target': 'DEPLOYMENT_COMPLETE',
                              'reason': None,
                              'result': {'release': 3}})],
            conductor.received)

    def test_a_pinned_failure_tries_each_state_of_the_stage(self):
        self.pin('conductor', '1.1')
        conductor = self.serve('solum-conductor', '1.1', CONDUCTOR_1_1)
        conductor_rpcapi.ConductorAPI().report_outcome(
            self.context, 'wf-1', states.DEPLOY, states.STACK_FAILED,
            reason='quota')
        self.assertEqual(
            [('DEPLOYING', 'ERROR_STACK_CREATE_FAILED', 'quota'),
             ('STARTING_APP', 'ERROR_STACK_CREATE_FAILED', 'quota')],
            [(kw['expected'], kw['target'], kw['reason'])
             for _name, kw in conductor.received])

    def test_an_unpinned_client_cannot_talk_to_a_1_1_conductor(self):
        # What the pin is for: the old server refuses the new message.
        conductor = self.serve('solum-conductor', '1.1', CONDUCTOR_1_1)
        api = conductor_rpcapi.ConductorAPI()
        self.assertRaises(messaging.UnsupportedVersion,
                          api.client.prepare(version='1.2').call,
                          self.context, 'report_outcome',
                          workflow_uuid='wf-1', action='build',
                          outcome='image built')
        self.assertEqual([], conductor.received)

    def test_the_1_0_casts(self):
        conductor = self.serve('solum-conductor', '1.2', CONDUCTOR_1_2)
        api = conductor_rpcapi.ConductorAPI()
        api.start_workflow(self.context, 'wf-1')
        api.delete_app(self.context, 'app-1')
        api.build_language_pack(self.context, 'lp-1')
        self.assertEqual(
            sorted([('start_workflow', {'workflow_uuid': 'wf-1'}),
                    ('delete_app', {'app_uuid': 'app-1'}),
                    ('build_language_pack', {'lp_uuid': 'lp-1'})]),
            sorted(conductor.wait_for(3)))


class TestDeployerAPI(RpcTestCase):

    def test_scale_takes_the_replicas_and_the_serial(self):
        deployer = self.serve('solum-deployer', '1.2', DEPLOYER_1_1)
        deployer_rpcapi.DeployerAPI().scale(self.context, 'app-1',
                                            replicas=3, serial=7)
        self.assertEqual([('scale', {'app_uuid': 'app-1', 'replicas': 3,
                                     'serial': 7})], deployer.wait_for(1))

    def test_a_pinned_scale_goes_through_the_conductor(self):
        # A 1.1 deployer reads the replicas from the release, which a
        # conductor's scale_app writes for it.
        self.pin('deployer', '1.1')
        deployer = self.serve('solum-deployer', '1.1', DEPLOYER_1_1)
        conductor = self.serve('solum-conductor', '1.1', CONDUCTOR_1_1)
        api = deployer_rpcapi.DeployerAPI()
        api.scale(self.context, 'app-1', replicas=3, serial=7)
        self.assertEqual([('scale_app', {'app_uuid': 'app-1',
                                         'replicas': 3})],
                         conductor.wait_for(1))
        api.scale(self.context, 'app-1')
        self.assertEqual([('scale', {'app_uuid': 'app-1'})],
                         deployer.wait_for(1))

    def test_calls_answer(self):
        deployer = self.serve('solum-deployer', '1.2', DEPLOYER_1_1)
        api = deployer_rpcapi.DeployerAPI()
        self.assertIsNone(api.app_logs(self.context, 'app-1', since='t',
                                       tail=5))
        self.assertIsNone(api.app_status(self.context, 'app-1'))
        self.assertIsNone(api.undeploy(self.context, 'app-1'))
        api.deploy(self.context, 'wf-1')
        self.assertEqual(
            ['app_logs', 'app_status', 'undeploy', 'deploy'],
            [name for name, _kw in deployer.wait_for(4)])


class TestBuilderAPI(RpcTestCase):

    def test_every_message(self):
        builder = self.serve('solum-builder', '1.0', BUILDER_1_0)
        api = builder_rpcapi.BuilderAPI()
        self.assertIsNone(api.delete_app_images(self.context, 'app-1'))
        api.unit_test(self.context, 'wf-1')
        api.build(self.context, 'wf-2')
        api.build_language_pack(self.context, 'lp-1')
        received = builder.wait_for(4)
        self.assertEqual(('delete_app_images', {'app_uuid': 'app-1'}),
                         received[0])
        self.assertEqual(
            sorted([('unit_test', {'workflow_uuid': 'wf-1'}),
                    ('build', {'workflow_uuid': 'wf-2'}),
                    ('build_language_pack', {'lp_uuid': 'lp-1'})]),
            sorted(received[1:]))

    def test_a_cap_below_what_a_method_needs_is_refused(self):
        self.pin('builder', '0.9')
        self.assertRaises(messaging.RPCVersionCapError,
                          builder_rpcapi.BuilderAPI().build,
                          self.context, 'wf-1')
