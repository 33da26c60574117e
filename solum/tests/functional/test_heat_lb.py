"""The Heat path behind Octavia: the app's URL is the load balancer's.

The container-host test (``test_heat_container_hosts``) with ``[heat]
enable_lb = true`` and ``subnet`` the test's subnet, against the
minicloud's real Octavia API (no-op amphora, compute and network drivers
behind it, so the load balancer really goes ACTIVE and moves nothing).
Heat creates the load balancer, listener, pool, health monitor and one
pool member per container host; ``harness.lb_standin`` stands in for the
amphora (an HAProxy at the VIP, configured only from Octavia's API). The
test proves, through the APIs:

* Heat's load balancer, listener (HTTP 80), pool (ROUND_ROBIN), health
  monitor (HTTP GET of the app's health path) and members (each host's
  address and the app's port) are in Octavia's API, ACTIVE;
* the app's URL is ``http://VIP/``, the VIP the Neutron port Octavia
  allocated on the test's subnet, and the app answers there with its own
  content (the deployer's own probe of that URL passed first);
* scaling to 3 puts 3 members in the pool, and requests through the VIP
  reach all three hosts; the URL does not change;
* a redeploy (a new greeting) is a rolling update of the group
  (``rolling_updates``: ``min_in_service`` 1, one member at a time)
  under a steady load of about 20 requests per second from the fabric to
  the VIP, after which every member serves the new release; the URL is
  the same. Not yet with zero failed requests: at most 1% (measured 1 or
  2 HTTP 502 of about 1,400), as the replaced members join the pool
  before their app answers (see the test's comment);
* deleting the app removes the load balancer and its objects.

Set ``SOLUM_TEST_TIMINGS`` to a file name to have the measured times and
the load's counts appended to it.
"""

import json
import os
import shutil
import threading
import time
import uuid

from solum.tests.functional import test_heat_container_hosts as hosts_ft
from solum.tests.functional import test_heat_deployer as heat_ft
from solum.tests.functional.harness import cloud
from solum.tests.functional.harness import lb_standin

OCTAVIA = lb_standin.OCTAVIA
SERVICES = ('glance', 'nova', 'heat', 'neutron', 'octavia')


class TestHeatLoadBalancer(hosts_ft.TestHeatContainerHosts):

    # the container-host test itself runs in its own module
    test_members_serve_scale_fail_and_go = None

    def setUp(self):
        if shutil.which('haproxy') is None:
            self.skipTest('haproxy is not installed (the amphora stand-in)')
        try:
            cloud.ensure_cloud(SERVICES)
        except cloud.CloudUnavailable as e:
            self.skipTest(str(e))
        super().setUp()

    def make_network(self):
        super().make_network()
        # the host's end of the veth to the VIP (see lb_standin)
        port = self.neutron('POST', '/v2.0/ports', 201, json={
            'port': {'network_id': self.network_id,
                     'name': 'solum-ft-host-%s' % uuid.uuid4().hex[:6]}
        })['port']
        self.addCleanup(self.neutron, 'DELETE',
                        '/v2.0/ports/%s' % port['id'], 204)
        # after the app's cleanup (cleanups run last first)
        self.addCleanup(self.delete_vip_ports)
        self.host_address = port['fixed_ips'][0]['ip_address']
        self.subnet_id = port['fixed_ips'][0]['subnet_id']

    def extra_config(self):
        config = super().extra_config()
        return config + 'enable_lb = true\nsubnet = %s\nprobe_timeout = ' \
            '120\n' % self.subnet_id

    def octavia(self, path, **params):
        resp = self.alice.get(path, params=params or None,
                              endpoint_filter=OCTAVIA, raise_exc=False)
        self.assertEqual(200, resp.status_code, resp.text)
        return resp.json()

    def start_lb(self, app, hosts):
        self.lb_stack = self.stack_name(app)
        standin = lb_standin.AmphoraStandIn(
            hosts, cloud.session('admin'), cloud.heat(USER),
            self.stack_name(app), self.host_address)
        self.useFixture(standin)
        self.addOnException(lambda exc_info: self.addDetail(
            'amphora-stand-in', heat_ft.testtools.content.text_content(
                standin.report())))
        return standin

    def delete_vip_ports(self):
        # Octavia's no-op network driver leaves the VIP port its API
        # allocated (tools/minicloud/cloud/octavia.py): delete it, once
        # the stack (with the load balancer) is gone.
        name = getattr(self, 'lb_stack', None)
        if name and self.stack_or_none(name) is not None:
            self.delete_stack(name)
        resp = self.alice.get('/v2.0/ports', params={
            'network_id': self.network_id},
            endpoint_filter={'service_type': 'network'})
        for port in resp.json()['ports']:
            if port['name'].startswith('octavia-lb-'):
                self.neutron('DELETE', '/v2.0/ports/%s' % port['id'], 204)

    def members(self, pool_id):
        return self.octavia('/v2/lbaas/pools/%s/members' % pool_id)[
            'members']

    def through_vip(self, hosts, url, count=30):
        """{served by: answers} of ``count`` GETs of the VIP."""
        served = {}
        for _ in range(count):
            resp = hosts.fabric_get(url)
            self.assertEqual(200, resp.status_code, resp.text)
            who = resp.text.rsplit('served by ', 1)[1].strip()
            served[who] = served.get(who, 0) + 1
        return served

    def count(self, name, number):
        self.timings[name] = number
        out = os.environ.get('SOLUM_TEST_TIMINGS')
        if out:
            with open(out, 'a') as f:
                f.write('%s %s %d\n' % (self.id(), name, number))

    def app_url(self, app):
        stack = self.heat.stacks.get(self.stack_name(app))
        return heat_ft.outputs(stack)['app_url']

    # ------------------------------------------------------------ tests

    def test_vip_serves_scales_and_rolls(self):
        greeting = 'Hi from the VIP %s' % uuid.uuid4().hex[:6]
        app = self.create_sample(greeting)
        built = self.run_workflow(app, {'actions': ['build']}, 'BUILT')
        image_id = built['result']['glance_id']
        hosts = self.start_hosts(app)
        standin = self.start_lb(app, hosts)

        # 1. Deploy: Octavia's objects, the VIP answers.
        started = time.time()
        # polls the VIP from the fabric as soon as it is there
        first = {}

        def poll_vip():
            while standin.vip is None and not first.get('stop'):
                time.sleep(0.1)
            if standin.vip is not None:
                first['load'] = lb_standin.SteadyLoad(
                    hosts, 'http://%s:80/' % standin.vip, rate=10).start()
        poller = threading.Thread(target=poll_vip, daemon=True)
        poller.start()
        self.addCleanup(lambda: first.get('load') and first['load'].stop())
        self.addCleanup(first.update, stop=True)
        self.run_workflow(app, {'actions': ['deploy'], 'du_id': image_id},
                          'DEPLOYMENT_COMPLETE')
        completed = time.time()
        url = self.app_url(app)
        stack = self.heat.stacks.get(self.stack_name(app))
        lb_id = self.heat.resources.get(stack.id, 'loadbalancer') \
            .physical_resource_id
        lb = self.octavia('/v2/lbaas/loadbalancers/%s' % lb_id)[
            'loadbalancer']
        self.assertEqual('ACTIVE', lb['provisioning_status'])
        self.assertEqual(self.subnet_id, lb['vip_subnet_id'])
        self.assertEqual('http://%s:80/' % lb['vip_address'], url)
        vip_port = self.alice.get(
            '/v2.0/ports/%s' % lb['vip_port_id'],
            endpoint_filter={'service_type': 'network'}).json()['port']
        self.assertEqual(lb['vip_address'],
                         vip_port['fixed_ips'][0]['ip_address'])
        (listener,) = self.octavia('/v2/lbaas/listeners',
                                   loadbalancer_id=lb_id)['listeners']
        self.assertEqual(('HTTP', 80, 'ACTIVE'), (
            listener['protocol'], listener['protocol_port'],
            listener['provisioning_status']))
        (pool,) = self.octavia('/v2/lbaas/pools',
                               loadbalancer_id=lb_id)['pools']
        self.assertEqual(('HTTP', 'ROUND_ROBIN', 'ACTIVE', pool['id']), (
            pool['protocol'], pool['lb_algorithm'],
            pool['provisioning_status'], listener['default_pool_id']))
        monitor = self.octavia('/v2/lbaas/healthmonitors/%s' %
                               pool['healthmonitor_id'])['healthmonitor']
        self.assertEqual(('HTTP', hosts_ft.HEALTH, '200-399', 'ACTIVE'), (
            monitor['type'], monitor['url_path'], monitor['expected_codes'],
            monitor['provisioning_status']))
        (host,) = self.wait_hosts(hosts, 1, timeout=10).values()
        (member,) = self.members(pool['id'])
        self.assertEqual((host.address, hosts_ft.PORT, 'ACTIVE'), (
            member['address'], member['protocol_port'],
            member['provisioning_status']))
        resp = hosts.fabric_get(url)
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertIn(greeting, resp.text)
        poller.join(5)
        first['load'].stop()
        self.assertIsNotNone(first['load'].first_ok)
        self.record('deploy to first answer at the VIP',
                    first['load'].first_ok - started)
        self.record('deploy to DEPLOYMENT_COMPLETE (the deployer probed '
                    'the VIP)', completed - started)

        # 2. Scale to 3: three members, the VIP reaches all three hosts.
        t = time.monotonic()
        self.call('POST', '/v1/apps/%s/scale' % app['id'], 202,
                  json={'replicas': 3})
        three = self.wait_hosts(hosts, 3)

        def all_three():
            members = self.members(pool['id'])
            if len(members) != 3 or any(
                    m['provisioning_status'] != 'ACTIVE' for m in members):
                return None
            served = self.through_vip(hosts, url, count=12)
            return served if len(served) == 3 else None
        served = self.wait_until(all_three, timeout=120, interval=0.5,
                                 what='3 hosts answering through the VIP')
        self.record('scale 1 to 3 (all answer through the VIP)',
                    time.monotonic() - t)
        self.assertEqual(sorted(h.address for h in three.values()),
                         sorted(m['address']
                                for m in self.members(pool['id'])))
        self.assertEqual(url, self.app_url(app))
        self.assertEqual(3, len(served), served)

        # 3. Redeploy (a new greeting) under steady load: a rolling update
        #    with no failed request at the VIP.
        new_greeting = 'Hello again %s' % uuid.uuid4().hex[:6]
        self.call('PATCH', '/v1/apps/%s' % app['id'], 200, json={
            'parameters': {'user_params': {'GREETING': new_greeting},
                           'health': {'path': hosts_ft.HEALTH}}})
        load = lb_standin.SteadyLoad(hosts, url, rate=20).start()
        self.addCleanup(load.stop)
        time.sleep(2)
        t = time.monotonic()
        self.run_workflow(app, {'actions': ['deploy'], 'du_id': image_id},
                          'DEPLOYMENT_COMPLETE', timeout=420)
        self.record('rolling update to DEPLOYMENT_COMPLETE',
                    time.monotonic() - t)
        old = set(three)

        def rolled():
            current = hosts.current()
            if len(current) != 3 or old & set(current) or not all(
                    h.first_answer for h in current.values()):
                return None
            return current
        self.wait_until(rolled, timeout=120, interval=0.5,
                        what='3 new hosts')
        time.sleep(2)
        total, failures = load.stop()
        self.count('rolling update: requests at the VIP', total)
        self.count('rolling update: failed requests', len(failures))
        self.addDetail('rolling-update', heat_ft.testtools.content
                       .text_content(json.dumps({
                           'total': total, 'failures': failures[:50],
                           'served_by': load.served_by,
                           'history': standin.history})))
        self.assertGreater(total, 100)
        # Not yet zero: in a rolling update Heat replaces each member's
        # server in place, and the member's wait condition (unchanged) is
        # not waited for again, so the new pool member joins when its
        # server is ACTIVE, before its app answers; HAProxy redispatches
        # the refused connections, but one that the host's port forwarder
        # accepts and drops is an HTTP 502 (measured: 1 or 2 of ~1,400).
        # The fix (a readiness wait renewed with each replaced server) is
        # the next step: doc/source/contributor/heat-deployer.rst.
        self.assertLessEqual(len(failures), total // 100, failures)
        self.assertEqual({'HTTP 502'}, {what for _, what in failures} or
                         {'HTTP 502'})
        for _ in range(6):
            self.assertIn(new_greeting, hosts.fabric_get(url).text)
        self.assertEqual(url, self.app_url(app))

        # 4. Delete: no load balancer.
        self.call('DELETE', '/v1/apps/%s' % app['id'], 202)
        self.wait_until(lambda: self.call(
            'GET', '/v1/apps/%s' % app['id']).status_code == 404,
            timeout=180, interval=0.5, what='the app to be deleted')
        resp = self.alice.get('/v2/lbaas/loadbalancers/%s' % lb_id,
                              endpoint_filter=OCTAVIA, raise_exc=False)
        self.assertTrue(resp.status_code == 404 or resp.json()[
            'loadbalancer']['provisioning_status'] == 'DELETED', resp.text)
        self.assertEqual([], hosts.errors)
        self.assertEqual([], standin.errors)
        self.addDetail('timings', heat_ft.testtools.content.text_content(
            json.dumps(self.timings)))


USER = hosts_ft.USER
