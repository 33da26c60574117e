"""The Heat path serves real traffic: container hosts that really run.

A Keystone-mode solum-all with ``[deployer] driver = heat``, ``[heat]
template = container_host``, ``wait_for_ready = true`` and ``network`` a
VXLAN network of alice's that the test creates (with a 10.x.y.0/24
subnet); the builder builds examples/python-hello with buildah and
stores the image in Glance through the app's trust. Heat boots the
members under Nova's fake driver (on the test's network, ports bound by
the minicloud's ML2 driver), and ``harness.container_hosts`` brings each
ACTIVE server to life: its real user_data downloads the image from the
real Glance, runs it with the real Podman, polls its health path and
signals Heat's wait condition. The test proves, through the API:

* the deploy completes only once every member answered its health path
  (the member's wait condition holds the signal the user_data sent),
  and each member answers with the app's own content on its Neutron
  address, seen from a namespace of the test's on the same network;
* scaling to 3 gives three hosts that answer; scaling in to 1 removes
  two (their namespaces and containers go);
* a release whose health path never answers fails with the user_data's
  reason (the WaitCondition's FAILURE data) and the old member keeps
  serving;
* deleting the app removes the hosts, the stack and the Glance images.

What stays a stand-in is said in the harness's docstring (the hypervisor
and the guest's boot). Octavia is absent (no load balancer: the members
are reached at their own addresses). Set ``SOLUM_TEST_TIMINGS`` to a file
name to have the measured times appended to it.
"""

import calendar
import ipaddress
import json
import os
import random
import time
import urllib.parse
import uuid

import fixtures
import yaml

from solum.tests.functional import test_builder
from solum.tests.functional import test_heat_deployer as heat_ft
from solum.tests.functional.harness import cloud
from solum.tests.functional.harness import container_hosts

USER = heat_ft.USER
PORT = 8080
HEALTH = '/healthz'
# The loopback services a container host's user_data may call.
RELAYED = ('identity', 'image', 'orchestration', 'cloudformation')


class TestHeatContainerHosts(heat_ft.HeatFunctionalTestCase):

    def setUp(self):
        reason = (container_hosts.missing_prerequisite() or
                  test_builder.missing_prerequisite())
        if reason:
            self.skipTest(reason)
        self.cloud = heat_ft.ensure_cloud()
        self.alice = cloud.session(USER)
        self.make_network()
        super().setUp()
        self.useFixture(fixtures.Timeout(480, gentle=True))
        self.timings = {}

    # ------------------------------------------------------------ setup

    def neutron(self, method, path, status, **kw):
        resp = self.alice.request(
            path, method, endpoint_filter={'service_type': 'network'},
            raise_exc=False, **kw)
        self.assertEqual(status, resp.status_code, resp.text)
        return resp.json() if resp.text else None

    def make_network(self):
        """Alice's network, subnet (10.x.y.0/24, no DHCP: the harness
        gives each host its port's address) and the port whose address
        the test's probe namespace takes."""
        suffix = uuid.uuid4().hex[:6]
        self.cidr = ipaddress.ip_network('10.%d.%d.0/24' % (
            random.randint(200, 250), random.randint(0, 255)))
        net = self.neutron('POST', '/v2.0/networks', 201, json={
            'network': {'name': 'solum-ft-%s' % suffix}})['network']
        self.network_id = net['id']
        self.addCleanup(self.neutron, 'DELETE',
                        '/v2.0/networks/%s' % net['id'], 204)
        subnet = self.neutron('POST', '/v2.0/subnets', 201, json={
            'subnet': {'network_id': net['id'], 'ip_version': 4,
                       'cidr': str(self.cidr), 'enable_dhcp': False,
                       'name': 'solum-ft-%s' % suffix}})['subnet']
        self.addCleanup(self.neutron, 'DELETE',
                        '/v2.0/subnets/%s' % subnet['id'], 204)
        port = self.neutron('POST', '/v2.0/ports', 201, json={
            'port': {'network_id': net['id'],
                     'name': 'solum-ft-probe-%s' % suffix}})['port']
        self.addCleanup(self.neutron, 'DELETE',
                        '/v2.0/ports/%s' % port['id'], 204)
        self.probe = port['fixed_ips'][0]['ip_address']

    def extra_config(self):
        self.heat_options = {'template': 'container_host',
                             'wait_for_ready': 'true',
                             'ready_timeout': '120',
                             'network': self.network_id}
        return super().extra_config()

    def relay_ports(self):
        ports = set()
        for kind in RELAYED:
            url = urllib.parse.urlsplit(self.cloud['endpoints'][kind])
            if url.hostname == '127.0.0.1':
                ports.add(url.port)
        return ports

    def start_hosts(self, app):
        # clients of the watcher's own (it polls from its thread)
        hosts = container_hosts.ContainerHosts(
            cloud.nova('admin'), cloud.session('admin'), cloud.heat(USER),
            self.stack_name(app),
            str(self.cidr), self.probe, self.relay_ports(),
            probe_port=PORT, probe_path=HEALTH)
        self.useFixture(hosts)
        self.addOnException(lambda exc_info: self.addDetail(
            'container-hosts', heat_ft.testtools.content.text_content(
                hosts.report())))
        return hosts

    def create_sample(self, greeting):
        repo, _sha = test_builder.make_repo(self.state_path,
                                            example='python-hello')
        with open(os.path.join(test_builder.EXAMPLES, 'python-hello',
                               'app.yaml')) as f:
            document = yaml.safe_load(f)
        document['name'] = 'hosts'
        document['source'] = {'repository': 'file://' + repo,
                              'revision': 'main'}
        document['parameters'] = {'user_params': {'GREETING': greeting},
                                  'health': {'path': HEALTH}}
        app = self.call('POST', '/v1/apps', 201, json=document).json()
        self.addCleanup(self.cleanup_app, app)
        return app

    def run_workflow(self, app, body, expect, timeout=300):
        wf = self.call('POST', '/v1/apps/%s/workflows' % app['id'], 201,
                       json=body).json()
        path = '/v1/apps/%s/workflows/%d' % (app['id'], wf['wf_id'])

        def finished():
            shown = self.call('GET', path, 200).json()
            done = shown['status'] in ('BUILT', 'DEPLOYMENT_COMPLETE') or \
                shown['status'].startswith('ERROR')
            return shown if done else None
        shown = self.wait_until(finished, timeout=timeout, interval=0.3,
                                what='workflow %s' % path)
        self.assertEqual(expect, shown['status'], shown.get('reason'))
        return shown

    # ----------------------------------------------------------- checks

    def answers(self, hosts, host, path='/'):
        resp = hosts.fabric_get('http://%s:%d%s' % (host.address, PORT,
                                                    path))
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.text

    def wait_hosts(self, hosts, count, timeout=180):
        """Until exactly ``count`` hosts run and each answered."""
        def ready():
            current = hosts.current()
            if len(current) == count and all(
                    h.first_answer for h in current.values()):
                return current
            return None
        return self.wait_until(ready, timeout=timeout, interval=0.3,
                               what='%d answering hosts' % count)

    def wait_signals(self, stack_id):
        """{nested stack id: wait_handle metadata} of every member: what
        each member's user_data signalled."""
        result = {}
        for res in self.heat.resources.list(stack_id, nested_depth=3):
            if res.resource_name != 'wait_handle':
                continue
            nested = [link['href'].rsplit('/', 1)[1] for link in res.links
                      if link['rel'] == 'stack'][0]
            result[nested] = self.heat.resources.metadata(nested,
                                                          'wait_handle')
        return result

    def record(self, name, seconds):
        self.timings[name] = round(seconds, 1)
        out = os.environ.get('SOLUM_TEST_TIMINGS')
        if out:
            with open(out, 'a') as f:
                f.write('%s %s %.1f s\n' % (self.id(), name, seconds))

    # ------------------------------------------------------------ tests

    def test_members_serve_scale_fail_and_go(self):
        greeting = 'Hi from hosts %s' % uuid.uuid4().hex[:6]
        app = self.create_sample(greeting)
        t = time.monotonic()
        built = self.run_workflow(app, {'actions': ['build']}, 'BUILT')
        self.record('build', time.monotonic() - t)
        image_id = built['result']['glance_id']
        hosts = self.start_hosts(app)

        # 1. Deploy: the stack completes once the member answered.
        started = time.time()
        self.run_workflow(app, {'actions': ['deploy'], 'du_id': image_id},
                          'DEPLOYMENT_COMPLETE')
        completed = time.time()
        (host,) = self.wait_hosts(hosts, 1, timeout=10).values()
        self.record('deploy to first answer', host.first_answer - started)
        self.record('deploy to DEPLOYMENT_COMPLETE', completed - started)
        self.assertLess(host.first_answer, completed)
        stack = self.heat.stacks.get(self.stack_name(app))
        self.assertEqual('CREATE_COMPLETE', stack.stack_status)
        self.assertEqual([host.server_id],
                         heat_ft.outputs(stack)['servers'])
        self.assertEqual([host.address], heat_ft.outputs(stack)['addresses'])
        # The member's wait condition holds the user_data's own signal,
        # sent after its health poll answered.
        ((member, signals),) = self.wait_signals(stack.id).items()
        self.assertEqual(
            [('SUCCESS', 'the app answers its health path')],
            [(s['status'], s['reason']) for s in signals.values()])
        # ... and Heat's wait condition completed only after the host
        # booted (Heat's event times have whole seconds).
        done = [e for e in self.heat.events.list(member,
                                                 resource_name='wait')
                if e.resource_status == 'CREATE_COMPLETE']
        self.assertEqual(1, len(done), done)
        self.assertGreaterEqual(calendar.timegm(time.strptime(
            done[0].event_time, '%Y-%m-%dT%H:%M:%SZ')),
            int(host.booted_at))
        # podman load's own output: the image came from Glance
        self.assertIn('Storing signatures', host.console_text())
        text = self.answers(hosts, host)
        self.assertIn(greeting, text)
        self.assertEqual('ok\n', self.answers(hosts, host, HEALTH))
        self.assertEqual(['solum-app'], host.containers())

        # 2. Scale to 3: three hosts, each answers on its own address.
        t = time.monotonic()
        self.call('POST', '/v1/apps/%s/scale' % app['id'], 202,
                  json={'replicas': 3})
        three = self.wait_hosts(hosts, 3)
        self.record('scale 1 to 3 (all answer)', time.monotonic() - t)
        self.assertIn(host.server_id, three)
        served = {self.answers(hosts, h).rsplit('served by ', 1)[1]
                  for h in three.values()}
        self.assertEqual(3, len(served), served)
        self.assertEqual(3, len({h.address for h in three.values()}))
        self.wait_group(stack.id, 3)
        self.assertEqual(3, len(self.wait_signals(stack.id)))

        # 3. Scale in to 1: two hosts go, with namespace and containers.
        self.call('POST', '/v1/apps/%s/scale' % app['id'], 202,
                  json={'replicas': 1})
        (kept,) = self.wait_hosts(hosts, 1).values()
        removed = [h for sid, h in three.items() if sid != kept.server_id]
        self.assertEqual(2, len(removed))
        for gone in removed:
            self.assertIn(gone.server_id, hosts.gone)
            self.assertEqual([], gone.left_containers)
            self.assertFalse(container_hosts.netns_exists(gone.ns))
            self.assertFalse(os.path.exists(gone.dir))
        self.assertIn(greeting, self.answers(hosts, kept))

        # 4. A release whose health path never answers: the new member's
        #    user_data signals FAILURE, the update fails with its reason,
        #    and the old member keeps serving.
        self.call('PATCH', '/v1/apps/%s' % app['id'], 200, json={
            'parameters': {'user_params': {'GREETING': greeting},
                           'health': {'path': '/never', 'timeout': 3}}})
        failed = self.run_workflow(
            app, {'actions': ['deploy'], 'du_id': image_id},
            'ERROR_STACK_CREATE_FAILED')
        self.assertIn('the app did not answer its health path within 3 s',
                      failed['reason'])
        self.assertIn('WaitConditionFailure', failed['reason'])
        self.assertIn(kept.server_id, hosts.current())
        self.assertIn(greeting, self.answers(hosts, kept))
        self.assertEqual(['solum-app'], kept.containers())

        # 5. Delete: no host, no stack, no image.
        self.call('DELETE', '/v1/apps/%s' % app['id'], 202)
        self.wait_until(lambda: self.call(
            'GET', '/v1/apps/%s' % app['id']).status_code == 404,
            timeout=180, interval=0.5, what='the app to be deleted')
        self.assertIsNone(self.stack_or_none(self.stack_name(app)))
        self.wait_until(lambda: not hosts.current(), timeout=30,
                        what='the hosts to go')
        for gone in hosts.gone.values():
            self.assertEqual([], gone.left_containers)
            self.assertFalse(container_hosts.netns_exists(gone.ns))
            self.assertFalse(os.path.exists(gone.dir))
        self.assertTrue(self.glance_gone(image_id))
        self.assertEqual([], hosts.errors)
        self.addDetail('timings', heat_ft.testtools.content.text_content(
            json.dumps(self.timings)))
