"""The Heat deployer driver against the real minicloud (Keystone, Glance,
Nova with the fake virt driver, Heat, Aodh, Prometheus).

``TestHeatEndToEnd`` runs a Keystone-mode solum-all with ``[deployer]
driver = heat``: alice creates an app (Solum makes the trust), deploys a
Glance image of hers through the API, and Solum creates, scales, updates
and deletes the app's stack acting through that trust.
``TestHeatDriver`` drives the driver directly (with a real trust) for the
failures whose configuration differs per case. ``TestHeatAlarmScaling``
deploys a stack with its Prometheus CPU alarms on, and CPU samples pushed
as Ceilometer publishes them make Aodh grow and shrink the group.

The servers here do not boot (Nova's fake driver) and have no network,
so in these tests no user_data runs and no wait condition is signalled
but by the test. test_heat_container_hosts.py runs the container hosts
for real: servers on a network of the test's, their user_data run by
harness/container_hosts.py (standing in for the hypervisor and the
guest's boot) with Podman, the image fetched from Glance, Heat's wait
condition signalled by the user_data, the app answering on each
member's address.

What cannot be exercised here, for every test: no Ceilometer measures the
servers (the test publishes their CPU), Octavia and Gnocchi are absent
(the stacks are created with enable_lb off, so the app URL is not
probed; the load balancer and the Gnocchi alarms are only validated),
and Zun is absent (the zun variant is only validated).
"""

import base64
import io
import json
import os
import re
import sqlite3
import threading
import time
import types
import unittest
import uuid

import fixtures
import requests
import testtools
from heatclient import exc as heat_exc
from oslo_config import fixture as config_fixture

from solum import conf
from solum.builder.image_stores import glance as glance_store
from solum.common import keystone as solum_keystone
from solum.common import states
from solum.deployer import driver as driver_mod
from solum.deployer.heat import clients as heat_clients
from solum.deployer.heat import driver as heat_driver
from solum.deployer.heat import templates
from solum.tests.functional import base
from solum.tests.functional.harness import cloud
from solum.tests.functional.harness import keystone

CONF = conf.CONF
USER = 'alice'
SERVICES = ('glance', 'nova', 'heat')


def ensure_cloud():
    try:
        return cloud.ensure_cloud(SERVICES)
    except cloud.CloudUnavailable as e:
        raise unittest.SkipTest('minicloud cannot run here: %s' % e) \
            from None


def service_auth_config(ks, group='service_auth'):
    service = ks['service_user']
    return ('[%(group)s]\n'
            'auth_url = %(auth)s\n'
            'auth_type = password\n'
            'username = %(user)s\n'
            'password = %(password)s\n'
            'project_name = %(project)s\n'
            'user_domain_id = default\n'
            'project_domain_id = default\n'
            % {'group': group, 'auth': ks['auth_url'],
               'user': service['name'], 'password': service['password'],
               'project': service['project']})


def upload_image(glance, app_id, tag):
    """An image as the builder's Glance store leaves it (docker
    container format, tagged with the app); its bytes are not an image,
    since nothing boots it here."""
    image = glance.images.create(
        name='solum-ft-%s-%s' % (tag, uuid.uuid4().hex[:6]),
        container_format='docker', disk_format='raw',
        visibility='private', solum_app=app_id)
    glance.images.upload(image.id, io.BytesIO(os.urandom(4096)))
    return image.id


def outputs(stack):
    return {o['output_key']: o['output_value'] for o in stack.outputs}


class HeatTestMixin:

    def heat_wait(self, check, timeout=180, what=''):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = check()
            if last:
                return last
            time.sleep(0.5)
        self.fail('timed out waiting for %s (last: %r)' % (what, last))

    def stack_or_none(self, name):
        try:
            stack = self.heat.stacks.get(name)
        except heat_exc.HTTPNotFound:
            return None
        return None if stack.stack_status == 'DELETE_COMPLETE' else stack

    def active_servers(self, stack):
        ids = outputs(stack)['servers']
        servers = [self.nova.servers.get(i) for i in ids]
        self.assertEqual(['ACTIVE'] * len(ids), [s.status for s in servers])
        return sorted(ids)

    def wait_group(self, stack_id, size, timeout=180):
        """Until the group has ``size`` members and is no longer scaling
        (Heat drops a signal that arrives while it scales)."""
        def settled():
            nested = self.heat.resources.get(stack_id,
                                             'group').physical_resource_id
            members = self.heat.resources.list(nested)
            meta = self.heat.resources.metadata(stack_id, 'group') or {}
            status = self.heat.stacks.get(nested).stack_status
            if status.endswith('FAILED'):
                self.fail('scaling group %s' % status)
            return (len(members) == size and status.endswith('COMPLETE')
                    and not meta.get('scaling_in_progress'))
        self.heat_wait(settled, timeout, 'the group to have %d members' %
                       size)

    def delete_stack(self, name):
        stack = self.stack_or_none(name)
        if stack is not None:
            self.heat.stacks.delete(stack.id)
            self.heat_wait(lambda: self.stack_or_none(name) is None,
                           what='stack %s to go' % name)

    def glance_gone(self, image_id):
        try:
            return self.glance.images.get(image_id)['status'] == 'deleted'
        except Exception as e:
            if getattr(e, 'code', None) == 404:
                return True
            raise


class HeatFunctionalTestCase(HeatTestMixin, base.FunctionalTestCase):
    auth_strategy = 'keystone'
    rpc_transport = 'local'
    heat_options = {}

    def setUp(self):
        self.cloud = ensure_cloud()
        self.ks = self.cloud['keystone']
        super().setUp()
        self.heat = cloud.heat(USER)
        self.nova = cloud.nova(USER)
        self.glance = cloud.glance(USER)
        self.start_service('solum-all')

    def extra_config(self):
        options = {'flavor': 'm1.tiny',
                   'host_image': 'solum-container-host',
                   'poll_interval': '0.3', 'poll_max_interval': '2',
                   'stack_timeout': '5'}
        options.update(self.heat_options)
        return (service_auth_config(self.ks, 'keystone_authtoken') +
                'www_authenticate_uri = %s\n'
                'service_token_roles_required = true\n'
                % self.ks['auth_url'] +
                service_auth_config(self.ks) +
                '[deployer]\n'
                'driver = heat\n'
                'check_interval = 2\n'
                # Heat runs images from Glance; the builder's Glance store
                # deletes them with their app.
                '[builder]\n'
                'image_store = glance\n'
                '[heat]\n' +
                ''.join('%s = %s\n' % kv for kv in sorted(options.items())))

    def call(self, method, path, status=None, **kw):
        headers = {'X-Auth-Token': keystone.get_token(USER)}
        resp = requests.request(method, self.base_url + path,
                                headers=headers, timeout=60, **kw)
        if status is not None:
            self.assertEqual(status, resp.status_code, resp.text)
        return resp

    def create_app(self, name, **parameters):
        app = self.call('POST', '/v1/apps', 201, json={
            'version': 1, 'name': name, 'languagepack': 'python',
            'ports': [8080],
            'source': {'repository': 'https://git.example.com/x.git'},
            'parameters': dict(parameters,
                               user_params={'GREETING': 'hi'})}).json()
        self.addCleanup(self.cleanup_app, app)
        return app

    def cleanup_app(self, app):
        # Whatever a failing test left: the app (and so its trust), its
        # stack, its images.
        self.call('DELETE', '/v1/apps/%s' % app['id'])
        for image in self.glance.images.list(
                filters={'solum_app': app['id']}):
            self.glance.images.delete(image['id'])

    def deploy(self, app, image_id,
               expect=('DEPLOYMENT_COMPLETE',), timeout=240):
        wf = self.call('POST', '/v1/apps/%s/workflows' % app['id'], 201,
                       json={'actions': ['deploy'],
                             'du_id': image_id}).json()
        path = '/v1/apps/%s/workflows/%d' % (app['id'], wf['wf_id'])

        def finished():
            shown = self.call('GET', path, 200).json()
            return shown if shown['status'].startswith(
                ('DEPLOYMENT_COMPLETE', 'ERROR')) else None
        shown = self.wait_until(finished, timeout=timeout,
                                interval=0.5, what='workflow %s' % path)
        self.assertIn(shown['status'], expect, shown['reason'])
        return shown

    def trusts_of(self, user):
        resp = requests.get(
            self.ks['auth_url'] + '/OS-TRUST/trusts',
            params={'trustor_user_id': self.ks['users'][user]['id']},
            headers={'X-Auth-Token': keystone.get_token('admin')},
            timeout=30)
        resp.raise_for_status()
        return {t['id'] for t in resp.json()['trusts']}

    @staticmethod
    def stack_name(app):
        return heat_driver.stack_name(types.SimpleNamespace(
            name=app['name'], uuid=app['id']))


class TestHeatEndToEnd(HeatFunctionalTestCase):

    def test_deploy_scale_signal_update_delete(self):
        """Deploy, scale to 3, an alarm-style signal, a second deploy and
        delete, all through the API and the app's trust.

        Not exercised here: the app does not run (fake servers never boot,
        so no HTTP probe: no load balancer), and the signal is sent the way
        Aodh's notifier would send it, since no Gnocchi alarm can be
        created (no Gnocchi)."""
        self.useFixture(fixtures.Timeout(600, gentle=True))
        # The group may grow to 5 (the alarms' and signals' room).
        app = self.create_app('hello', autoscale={'min': 1, 'max': 5,
                                                  'target_cpu': 60,
                                                  'cooldown': 0})
        # The app's trust, from the database (the API never shows it;
        # other tests create trusts of alice's at the same time).
        with sqlite3.connect(self.db.url.split('sqlite:///', 1)[1]) as db:
            trust_ids = {row[0] for row in db.execute(
                'SELECT trust_id FROM apps WHERE uuid = ?', (app['id'],))}
        self.assertEqual(1, len(trust_ids))
        self.assertTrue(trust_ids <= self.trusts_of(USER))
        first = upload_image(self.glance, app['id'], 'r1')

        # 1. The first deploy creates the stack.
        self.deploy(app, first)
        name = self.stack_name(app)
        stack = self.heat.stacks.get(name)
        self.assertEqual('CREATE_COMPLETE', stack.stack_status)
        shown = self.call('GET', '/v1/apps/%s' % app['id'], 200).json()
        self.assertEqual('DEPLOYMENT_COMPLETE', shown['status'])
        self.assertIn('/stacks/%s/%s' % (name, stack.id), shown['app_url'])
        servers = self.active_servers(stack)
        self.assertEqual(1, len(servers))
        self.assertEqual(stack.id, self.nova.servers.get(
            servers[0]).metadata['metering.server_group'])
        # The stack is alice's, made through her trust.
        self.assertEqual(self.ks['users'][USER]['project_id'],
                         stack.parameters['OS::project_id'])

        # 2. Scale to 3: the group's desired capacity.
        self.call('POST', '/v1/apps/%s/scale' % app['id'], 202,
                  json={'replicas': 3})
        self.wait_group(stack.id, 3)
        stack = self.heat_wait(
            lambda: (lambda s: s if s.stack_status == 'UPDATE_COMPLETE'
                     else None)(self.heat.stacks.get(stack.id)),
            what='the scale update')
        self.assertEqual(3, len(self.active_servers(stack)))

        # 3. What the CPU alarm does: POST to the scale-up policy's
        #    signal_url (Aodh's trust+ action sends a token like this).
        resp = requests.post(outputs(stack)['scale_up_url'], timeout=60,
                             headers={'X-Auth-Token':
                                      keystone.get_token(USER)})
        self.assertIn(resp.status_code, (200, 204), resp.text)
        self.wait_group(stack.id, 4)
        stack = self.heat.stacks.get(stack.id)
        before = self.active_servers(stack)
        self.assertEqual(4, len(before))

        # 4. A second deploy updates the same stack (rolling update).
        second = upload_image(self.glance, app['id'], 'r2')
        done = self.deploy(app, second)
        self.assertEqual(2, done['result']['release'])
        stack = self.heat.stacks.get(name)
        self.assertEqual(('UPDATE_COMPLETE', stack.id),
                         (stack.stack_status, stack.id))
        self.assertEqual('2', json.loads(
            stack.parameters['env'])['SOLUM_RELEASE'])
        after = self.active_servers(stack)
        # user_data changed (new release): every server was replaced
        self.assertFalse(set(before) & set(after), (before, after))
        shown = self.call('GET', '/v1/apps/%s' % app['id'], 200).json()
        self.assertIn(stack.id, shown['app_url'])

        # 5. Delete: no stack, no image, no trust.
        self.call('DELETE', '/v1/apps/%s' % app['id'], 202)
        self.wait_until(lambda: self.call(
            'GET', '/v1/apps/%s' % app['id']).status_code == 404,
            timeout=240, interval=0.5, what='the app to be deleted')
        self.assertIsNone(self.stack_or_none(name))
        self.assertEqual([], [s.id for s in self.nova.servers.list()
                              if s.id in set(after)])
        self.assertTrue(self.glance_gone(first))
        self.assertTrue(self.glance_gone(second))
        self.assertFalse(trust_ids & self.trusts_of(USER))


class TestHeatMissingFlavor(HeatFunctionalTestCase):
    heat_options = {'flavor': 'no-such-flavor'}

    def test_missing_flavor_is_stack_create_failed(self):
        """A flavor Nova does not have: Heat refuses the stack, and the
        workflow and the app end in ERROR_STACK_CREATE_FAILED with Heat's
        reason."""
        app = self.create_app('noflavor')
        image = upload_image(self.glance, app['id'], 'r1')
        done = self.deploy(app, image, expect=('ERROR_STACK_CREATE_FAILED',))
        self.assertIn('no-such-flavor', done['reason'])
        self.assertIn("No Flavor matching {'name': 'no-such-flavor'}",
                      done['reason'])
        shown = self.call('GET', '/v1/apps/%s' % app['id'], 200).json()
        self.assertEqual('ERROR_STACK_CREATE_FAILED', shown['status'])


class HeatDriverTestCase(HeatTestMixin, testtools.TestCase):
    """The driver in this process, acting through a real trust of
    alice's; ``heat_config`` adds [heat] options."""

    services = SERVICES
    heat_config = ''
    app_parameters = {}

    def setUp(self):
        super().setUp()
        try:
            self.cloud = cloud.ensure_cloud(self.services)
        except cloud.CloudUnavailable as e:
            self.skipTest('minicloud cannot run here: %s' % e)
        self.ks = self.cloud['keystone']
        self.useFixture(fixtures.Timeout(300, gentle=True))
        state = self.useFixture(fixtures.TempDir()).path
        path = os.path.join(state, 'solum.conf')
        with open(path, 'w') as f:
            f.write('[DEFAULT]\nauth_strategy = keystone\n' +
                    service_auth_config(self.ks) +
                    '[heat]\nflavor = m1.tiny\n'
                    'host_image = solum-container-host\n'
                    'poll_interval = 0.3\npoll_max_interval = 2\n'
                    'stack_timeout = 5\n' + self.heat_config)
        self.conf = self.useFixture(config_fixture.Config(CONF))
        CONF(['--config-file', path], project='solum',
             default_config_files=[])
        solum_keystone.reset()
        self.addCleanup(solum_keystone.reset)
        self.heat = cloud.heat(USER)
        self.nova = cloud.nova(USER)
        self.glance = cloud.glance(USER)
        alice = cloud.session(USER)
        resp = alice.post(self.ks['auth_url'] + '/OS-TRUST/trusts', json={
            'trust': {'trustor_user_id': self.ks['users'][USER]['id'],
                      'trustee_user_id': self.ks['service_user']['id'],
                      'project_id': self.ks['users'][USER]['project_id'],
                      'impersonation': True, 'allow_redelegation': True,
                      'roles': [{'name': 'member'}, {'name': 'reader'}]}})
        self.trust_id = resp.json()['trust']['id']
        self.addCleanup(solum_keystone.delete_trust, self.trust_id)
        self.app = types.SimpleNamespace(
            uuid=str(uuid.uuid4()), name='direct', trust_id=self.trust_id,
            project_id=self.ks['users'][USER]['project_id'],
            parameters=dict(self.app_parameters))
        self.image_id = upload_image(self.glance, self.app.uuid, 'direct')
        self.driver = heat_driver.HeatDriver()
        self.addCleanup(self.driver.undeploy, self.app)

    def target(self, glance_id=None):
        release = types.SimpleNamespace(
            number=1, uuid='r1', image='localhost/solum/p/direct:1',
            config={'port': 8080, 'glance_id': glance_id or self.image_id})
        return driver_mod.Target(self.app, release, 1)


class TestHeatDriver(HeatDriverTestCase):
    """The templates Heat validates, and the failures that need a
    configuration of their own (each ends in StackCreateFailed, which the
    manager turns into ERROR_STACK_CREATE_FAILED, with Heat's reason)."""

    def test_every_shipped_template_validates(self):
        """Every shipped template, as the driver renders it (each member
        variant) and on its own, with the optional parts (load balancer,
        alarms, wait condition) on and off. Zun, Octavia and Gnocchi are
        catalog-only or absent here: validated, never created."""
        heat = heat_clients.Clients(
            solum_keystone.trust_session(self.trust_id)).heat
        for variant in templates.VARIANTS:
            template, files, env = templates.stack_files(variant)
            for params in ({}, {'enable_lb': True, 'enable_alarms': True,
                                'wait_for_ready': True, 'subnet': 's',
                                'network': 'n'},
                           {'enable_alarms': True,
                            'alarm_backend': 'prometheus'}):
                result = heat.stacks.validate(
                    template=template, files=files,
                    environment=dict(env, parameters=params))
                self.assertIn('enable_lb', result['Parameters'])
            member = files[templates.member_file(variant)]
            heat.stacks.validate(template=member)
        self.assertEqual(
            sorted(['app.yaml'] + [templates.member_file(v)
                                   for v in templates.VARIANTS]),
            templates.shipped())

    def test_user_values_reach_the_server_only_encoded(self):
        """The user_data Heat renders for a container host (read back from
        Nova as an admin): a command and an environment full of shell
        syntax are not in it as text, and its base64 words decode to
        exactly what the app gave."""
        run_cmd = "echo 'it'\\''s' \"$(id)\" `id` $HOME\nexit 0\n"
        env = {'QUOTED': "it's \"$(id)\" `id`", 'MULTI': 'one\ntwo'}
        release = types.SimpleNamespace(
            number=1, uuid='r1', image='localhost/solum/p/direct:1',
            config={'port': 8080, 'glance_id': self.image_id,
                    'run_cmd': run_cmd, 'env': env})
        self.driver.deploy(driver_mod.Target(self.app, release, 1))
        stack = self.heat.stacks.get(heat_driver.stack_name(self.app))
        server_id, = outputs(stack)['servers']
        server = cloud.nova('admin').servers.get(server_id).to_dict()
        script = base64.b64decode(
            server['OS-EXT-SRV-ATTR:user_data']).decode()
        for value in [run_cmd, '$(id)', '`id`'] + list(env.values()):
            self.assertNotIn(value, script)

        def decoded(pattern):
            words = re.search(pattern, script).group(1).split()
            return [base64.b64decode(w).decode() for w in words]
        self.assertEqual([run_cmd], decoded(r"RUN_CMD=\$\(decode '([^']*)'\)"))
        self.assertEqual(['/'], decoded(r"HEALTH_PATH=\$\(decode '([^']*)'\)"))
        pairs = dict(p.split('=', 1) for p in decoded(r'for pair in (.*);'))
        self.assertEqual(dict(env, SOLUM_APP='direct', SOLUM_RELEASE='1'),
                         pairs)

    def test_template_heat_rejects(self):
        template, files, env = templates.stack_files('container_host')
        bad = template.replace('OS::Heat::ScalingPolicy',
                               'OS::No::SuchPolicy', 1)
        self.useFixture(fixtures.MockPatchObject(
            templates, 'stack_files', return_value=(bad, files, env)))
        e = self.assertRaises(driver_mod.StackCreateFailed,
                              self.driver.deploy, self.target())
        self.assertIn('Heat refused stack', e.reason)
        self.assertIn('OS::No::SuchPolicy', e.reason)

    def test_missing_host_image(self):
        self.conf.config(host_image='no-such-image', group='heat')
        e = self.assertRaises(driver_mod.StackCreateFailed,
                              self.driver.deploy, self.target())
        self.assertIn('CREATE_FAILED', e.reason)
        self.assertIn('no-such-image', e.reason)

    def test_missing_app_image(self):
        missing = str(uuid.uuid4())
        e = self.assertRaises(driver_mod.StackCreateFailed,
                              self.driver.deploy, self.target(missing))
        self.assertIn('%s of release 1 is not in Glance' % missing,
                      e.reason)
        self.assertIsNone(self.stack_or_none(
            heat_driver.stack_name(self.app)))

    def test_wait_condition_times_out(self):
        """The container host never signals (a fake server runs no
        user_data): Heat's wait condition times out."""
        self.conf.config(wait_for_ready=True, ready_timeout=3, group='heat')
        e = self.assertRaises(driver_mod.StackCreateFailed,
                              self.driver.deploy, self.target())
        self.assertIn('CREATE_FAILED', e.reason)
        self.assertIn('WaitConditionTimeout', e.reason)

    def test_stack_deadline(self):
        """A stack still in progress at the driver's deadline."""
        self.conf.config(wait_for_ready=True, group='heat')
        self.driver._deadline = lambda: time.monotonic() + 5
        # the cleanup's delete gets the normal deadline again
        self.addCleanup(vars(self.driver).pop, '_deadline', None)
        e = self.assertRaises(driver_mod.StackTimeout,
                              self.driver.deploy, self.target())
        self.assertIn('still CREATE_IN_PROGRESS after the deadline',
                      e.reason)
        self.assertEqual(states.STACK_FAILED, e.outcome)

    def test_nova_docker_boots_the_glance_image(self):
        """nova-docker style: the server boots the app's Glance image (the
        fake driver accepts it; a nova-docker compute would run it)."""
        self.conf.config(template='nova_docker', group='heat')
        self.driver.deploy(self.target())
        stack = self.heat.stacks.get(heat_driver.stack_name(self.app))
        server_id, = outputs(stack)['servers']
        self.assertEqual(self.image_id,
                         self.nova.servers.get(server_id).image['id'])
        self.assertEqual(1, len(self.driver.status(self.app)))
        self.driver.undeploy(self.app)
        self.assertIsNone(self.stack_or_none(stack.stack_name))
        # The image is the builder's: its Glance store, the one owner,
        # deletes it with the app.
        self.assertFalse(self.glance_gone(self.image_id))
        glance_store.GlanceImageStore().delete_app_images(
            None, self.app, lambda line: None)
        self.assertTrue(self.glance_gone(self.image_id))


class CeilometerCpu:
    """CPU samples of some servers in the shape [heat]
    prometheus_cpu_query's default reads: a counter of CPU time in ns per
    server (``ceilometer_cpu``, labelled with the project, the server and
    the server's metering.server_group), pushed to the Pushgateway every
    0.3 s. It stands in for a telemetry pipeline; a real one may name and
    label its series otherwise (then the option is adapted), and that
    mapping is not what this tests. ``load(servers, percent)`` sets how
    fast each server's counter grows: ``percent`` of one vCPU (0: idle,
    the counter stays)."""

    INTERVAL = 0.3

    def __init__(self, project_id, server_group, job):
        self.job = job
        self.project_id = project_id
        self.server_group = server_group
        self._load = {}      # server id -> % of a vCPU
        self._ns = {}        # server id -> counter
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None
        self.errors = []

    def load(self, servers, percent):
        with self._lock:
            for server in servers:
                self._load[server] = float(percent)
                self._ns.setdefault(server, 10 ** 9)

    def start(self, limit=240):
        self._thread = threading.Thread(target=self._run, args=(limit,),
                                        daemon=True)
        self._thread.start()

    def _run(self, limit):
        deadline = last = time.monotonic()
        deadline += limit     # bounded, whatever the test does
        while not self._stop.is_set() and time.monotonic() < deadline:
            now = time.monotonic()
            with self._lock:
                for server, percent in self._load.items():
                    self._ns[server] += int(percent / 100 * 1e9 *
                                            (now - last))
                counters = dict(self._ns)
            last = now
            for server, ns in counters.items():
                self._push(server, ns)
            self._stop.wait(self.INTERVAL)

    def _push(self, server, ns):
        body = ('# TYPE ceilometer_cpu counter\n'
                'ceilometer_cpu{project="%s",resource="%s",'
                'server_group="%s",counter="cpu",type="cpu",unit="ns"} %d\n'
                % (self.project_id, server, self.server_group, ns))
        try:
            cloud.push_metrics(self.job, body, resource=server)
        except requests.RequestException as e:
            self.errors.append(str(e))

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(30)
        for server in list(self._ns):
            cloud.delete_metrics(self.job, resource=server)


class TestHeatAlarmScaling(HeatDriverTestCase):
    """Metric-driven autoscaling, end to end: the app's stack (app.yaml
    through templates.parameters and the driver, [heat] enable_alarms on,
    alarm_backend prometheus) has Aodh create its two
    OS::Aodh::PrometheusAlarm; CPU samples of the members reach Prometheus
    the way Ceilometer publishes them (Pushgateway); the real
    aodh-evaluator sees the query cross a threshold, aodh-notifier POSTs
    to the policy's signal_url with a token of the trust it keeps, and
    Heat grows the group (Nova fake-driver servers), then shrinks it when
    the CPU goes idle.

    The harness's Aodh evaluates every 2 s and Prometheus scrapes every
    1 s; the rate window (alarm_granularity) is 6 s."""

    services = ('glance', 'nova', 'heat', 'aodh')
    heat_config = ('enable_alarms = true\n'
                   'alarm_backend = prometheus\n'
                   'alarm_granularity = 6\n')
    # scale-up cooldown 1 s, scale-down 5 s; target 50 %, low 12.5 %
    app_parameters = {'autoscale': {'min': 1, 'max': 2, 'target_cpu': 50,
                                    'cooldown': 1}}

    def alarm(self, stack_id, resource):
        alarm_id = self.heat.resources.get(stack_id,
                                           resource).physical_resource_id
        return self.aodh('GET', '/v2/alarms/%s' % alarm_id)

    def aodh(self, method, path):
        resp = requests.request(
            method, self.cloud['endpoints']['alarming'] + path, timeout=30,
            headers={'X-Auth-Token': keystone.get_token(USER)})
        resp.raise_for_status()
        return resp.json()

    def wait_states(self, stack_id, high, low, timeout=60):
        """Until the evaluator has put the alarms in these states."""
        def reached():
            states = (self.alarm(stack_id, 'prometheus_cpu_high')['state'],
                      self.alarm(stack_id, 'prometheus_cpu_low')['state'])
            return states if states == (high, low) else None
        self.heat_wait(reached, timeout, 'alarms high=%s, low=%s' %
                       (high, low))

    def members(self, stack_id):
        return sorted(outputs(self.heat.stacks.get(stack_id))['servers'])

    def test_cpu_alarms_scale_the_group(self):
        self.driver.deploy(self.target())
        stack = self.heat.stacks.get(heat_driver.stack_name(self.app))
        self.assertEqual('CREATE_COMPLETE', stack.stack_status)
        first = self.members(stack.id)
        self.assertEqual(1, len(first))

        # The alarms Heat made for the app, in alice's project: the
        # operator's query with this stack's id and the rate window, the
        # app's thresholds in %, and the policies' signal URLs as trust+
        # actions (Aodh holds a trust to POST with).
        high = self.alarm(stack.id, 'prometheus_cpu_high')
        low = self.alarm(stack.id, 'prometheus_cpu_low')
        project = self.ks['users'][USER]['project_id']
        for alarm, op, threshold, policy in (
                (high, 'gt', 50, 'scale_up'), (low, 'lt', 12.5,
                                               'scale_down')):
            self.assertEqual(('prometheus', project, op, threshold),
                             (alarm['type'], alarm['project_id'],
                              alarm['prometheus_rule']
                              ['comparison_operator'],
                              alarm['prometheus_rule']['threshold']))
            self.assertEqual(
                "avg(rate(ceilometer_cpu{server_group='%s'}[6s]))"
                " / 10000000" % stack.id,
                alarm['prometheus_rule']['query'])
            action, = alarm['alarm_actions']
            self.assertTrue(action.startswith('trust+http'), action)
            self.assertIn('/resources/%s/signal' % policy, action)
        # no data yet: neither alarm has a value to compare
        self.assertEqual(['insufficient data'] * 2,
                         [high['state'], low['state']])

        publisher = CeilometerCpu(project, stack.id,
                                  'solum-ft-%s' % uuid.uuid4().hex[:8])
        self.addCleanup(publisher.stop)
        # 1. Idle members: the low alarm fires, the group is at its min.
        publisher.load(first, 0)
        publisher.start()
        self.wait_states(stack.id, 'ok', 'alarm')
        self.assertEqual(first, self.members(stack.id))

        # 2. 90 % of a vCPU: the high alarm fires and a member is added.
        publisher.load(first, 90)
        self.wait_states(stack.id, 'alarm', 'ok')
        self.wait_group(stack.id, 2, timeout=90)
        grown = self.members(stack.id)
        self.assertEqual(2, len(grown))
        self.assertLess(set(first), set(grown))
        self.assertEqual(2, len(self.active_servers(
            self.heat.stacks.get(stack.id))))
        history = self.aodh('GET', '/v2/alarms/%s/history' %
                            high['alarm_id'])
        fired = [json.loads(h['detail']) for h in history
                 if h['type'] == 'state transition']
        self.assertIn('alarm', [d.get('state') for d in fired], history)
        self.assertTrue(any('outside threshold' in h.get('detail', '')
                            for h in history), history)

        # 3. Idle again (the new member too): the group shrinks to one.
        publisher.load(grown, 0)
        self.wait_states(stack.id, 'ok', 'alarm')
        self.wait_group(stack.id, 1, timeout=90)
        self.assertEqual(1, len(self.members(stack.id)))
        self.assertEqual([], publisher.errors)
