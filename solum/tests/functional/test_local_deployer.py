"""The local deployer through the real stack: solum-all (API, conductor,
deployer) → Podman → HAProxy → HTTP, on loopback only."""

import json
import subprocess
import time

import requests

from solum.tests.functional import base
from solum.tests.functional import deployer_fixtures as fx

PROJECT = 'solum'   # noauth's project when no X-Project-Id is given
IMAGES = {}


def image(tag, broken=False):
    ref = 'localhost/solum/ft/marker:%s' % tag
    if ref not in IMAGES:
        IMAGES[ref] = fx.build_image(ref, tag, broken=broken)
    return ref


class LocalDeployerTestCase(base.FunctionalTestCase):
    rpc_transport = 'local'
    deployer_driver = 'local'

    def setUp(self):
        reason = fx.unavailable()
        if reason:
            self.skipTest(reason)
        super().setUp()
        self.addCleanup(fx.cleanup, 'ft-%s' % self.suffix, self.state_path)
        self.start_service('solum-all')
        self.wait_until(lambda: base.port_open(self.api_port),
                        what='solum-all to listen')

    def extra_config(self):
        return ('[deployer]\n'
                'check_interval = 1\n'
                'health_timeout = 15\n'
                'drain_timeout = 5\n'
                'stop_timeout = 2\n'
                'memory = 128m\n'
                'cpus = 0.5\n')

    # ---------------------------------------------------------- helpers

    def api(self, method, path, status=None, **kw):
        resp = requests.request(method, self.base_url + path, timeout=60,
                                **kw)
        if status is not None:
            self.assertEqual(status, resp.status_code, resp.text)
        return resp

    def create_app(self, name='web', **extra):
        body = {'version': 1, 'name': name, 'languagepack': 'python',
                'ports': [8080],
                'source': {'repository': 'https://git.example.com/x.git',
                           'revision': 'main'},
                'parameters': {'user_params': {'GREETING': 'hi'}}}
        body.update(extra)
        return self.api('POST', '/v1/apps', 201, json=body).json()

    def deploy(self, app, ref, expect='DEPLOYMENT_COMPLETE', **body):
        wf = self.api('POST', '/v1/apps/%s/workflows' % app['id'], 201,
                      json=dict(body, actions=['deploy'], du_id=ref)).json()
        return self.wait_workflow(app, wf, expect)

    def wait_workflow(self, app, wf, expect='DEPLOYMENT_COMPLETE'):
        path = '/v1/apps/%s/workflows/%d' % (app['id'], wf['wf_id'])

        def finished():
            shown = self.api('GET', path, 200).json()
            return shown if shown['status'] in (
                'DEPLOYMENT_COMPLETE', 'ERROR_CODE_DEPLOYMENT',
                'ERROR') else None
        shown = self.wait_until(finished, timeout=120,
                                what='workflow %d' % wf['wf_id'])
        self.assertEqual(expect, shown['status'], shown['reason'])
        return shown

    def host(self, app_name):
        return '%s.%s.apps.localhost:%d' % (app_name, PROJECT,
                                            self.router_port)

    def router_get(self, app_name='web', path='/'):
        return requests.get('http://127.0.0.1:%d%s' % (self.router_port,
                                                       path),
                            headers={'Host': self.host(app_name)},
                            timeout=10)

    def served_by(self, count=30, app_name='web'):
        bodies = [self.router_get(app_name).text for _i in range(count)]
        return {tuple(b.split()[:2]) for b in bodies}

    def containers(self, app):
        out = subprocess.run(
            ['podman', 'ps', '--format', 'json', '--filter',
             'label=solum.app=%s' % app['id']],
            capture_output=True, text=True, check=True).stdout
        return json.loads(out) if out.strip() else []


class TestDeploy(LocalDeployerTestCase):

    def test_deploy_serves_through_the_router(self):
        app = self.create_app()
        wf = self.deploy(app, image('v1'))
        url = 'http://web.%s.apps.localhost:%d/' % (PROJECT,
                                                    self.router_port)
        self.assertEqual(url, self.api('GET', '/v1/apps/web').json()[
            'app_url'])
        self.assertEqual(1, wf['result']['release'])
        resp = self.router_get(path='/hello?x=1')
        self.assertEqual(200, resp.status_code)
        self.assertTrue(resp.text.startswith('v1 solum-'), resp.text)
        self.assertTrue(resp.text.endswith(' /hello?x=1\n'), resp.text)
        # The path-based form strips its prefix.
        resp = requests.get('http://127.0.0.1:%d/apps/%s/web/a/b' % (
            self.router_port, PROJECT), timeout=10)
        self.assertEqual(200, resp.status_code)
        self.assertTrue(resp.text.endswith(' /a/b\n'), resp.text)
        # An unknown app is a 404 of the router.
        self.assertEqual(404, self.router_get('nope').status_code)

        # The replica is confined and published on loopback only.
        container, = self.containers(app)
        inspect = json.loads(subprocess.run(
            ['podman', 'inspect', container['Id']], capture_output=True,
            text=True, check=True).stdout)[0]
        config, host = inspect['Config'], inspect['HostConfig']
        self.assertTrue(host['ReadonlyRootfs'])
        self.assertEqual('1000:1000', config['User'])
        self.assertEqual(128 * 1024 * 1024, host['Memory'])
        self.assertEqual(256, host['PidsLimit'])
        self.assertIn('GREETING=hi', config['Env'])
        self.assertIn('PORT=8080', config['Env'])
        bindings = host['PortBindings']['8080/tcp']
        self.assertEqual(['127.0.0.1'], [b['HostIp'] for b in bindings])

        releases = self.api('GET', '/v1/apps/web/releases', 200).json()
        self.assertEqual([(1, 'ACTIVE')],
                         [(r['number'], r['status']) for r in releases])
        logs = self.api('GET', '/v1/apps/web/logs', 200).json()
        self.assertIn('serving release v1 on port 8080',
                      [x['line'] for x in logs])
        # A followed log shows new lines as they come.
        with requests.get(self.base_url + '/v1/apps/web/logs',
                          params={'follow': 'true'}, stream=True,
                          timeout=30) as followed:
            seen = ''
            for chunk in followed.iter_content(chunk_size=None):
                seen += chunk.decode()
                if '/after-follow' in seen:
                    break
                if 'serving release v1' in seen:
                    self.router_get(path='/after-follow')
        self.assertIn('GET /after-follow', seen)

    def test_scale_1_3_1_every_replica_serves(self):
        app = self.create_app()
        self.deploy(app, image('v1'))
        self.assertEqual(1, len(self.served_by(10)))
        self.api('POST', '/v1/apps/web/scale', 202, json={'replicas': 3})
        self.wait_until(lambda: len(self.served_by(12)) == 3, timeout=30,
                        what='3 replicas serving')
        self.assertEqual(3, len(self.containers(app)))

        def all_served():
            # The router's counters are its current process's: the one a
            # reload replaced may have answered the first requests.
            self.served_by(6)
            replicas = self.api('GET', '/v1/apps/web/replicas', 200).json()
            return len(replicas) == 3 and all(
                r['router_status'].startswith('UP') and r['requests'] > 0
                for r in replicas)
        self.wait_until(all_served, timeout=15,
                        what='3 replicas UP with requests in the router')
        load = fx.Load('http://127.0.0.1:%d/' % self.router_port,
                       host=self.host('web'))
        load.start()
        self.api('POST', '/v1/apps/web/scale', 202, json={'replicas': 1})
        self.wait_until(lambda: len(self.containers(app)) == 1, timeout=30,
                        what='1 replica left')
        time.sleep(0.5)
        load.stop()
        self.assertEqual([], load.failures)
        self.assertEqual(1, len(self.served_by(10)))
        resp = self.api('POST', '/v1/apps/web/scale', json={'replicas': 11})
        self.assertEqual(403, resp.status_code)
        self.assertIn('instances_per_app limit of 10', resp.text)

    def test_redeploy_and_rollback_under_load_drop_nothing(self):
        app = self.create_app()
        self.deploy(app, image('v1'), scale_target=2)
        load = fx.Load('http://127.0.0.1:%d/' % self.router_port,
                       host=self.host('web'))
        load.start()
        time.sleep(0.3)
        self.deploy(app, image('v2'))
        self.wait_until(lambda: len(self.containers(app)) == 2, timeout=30)
        time.sleep(0.3)
        wf = self.api('POST', '/v1/apps/web/rollback', 201, json={}).json()
        self.wait_workflow(app, wf)
        time.sleep(0.3)
        load.stop()
        self.assertEqual([], load.failures)
        markers = [b.split()[0] for b in load.bodies]
        self.assertIn('v2', markers)
        self.assertEqual('v1', markers[-1])
        self.assertGreater(len(markers), 50)
        releases = self.api('GET', '/v1/apps/web/releases', 200).json()
        self.assertEqual(
            [(1, 'SUPERSEDED', None), (2, 'SUPERSEDED', None),
             (3, 'ACTIVE', 1)],
            [(r['number'], r['status'], r['rollback_of']) for r in releases])
        self.assertEqual(2, releases[-1]['replicas'])

    def test_another_projects_image_is_refused(self):
        # The image is project "solum"'s (its label); "intruder" names it.
        theirs = image('v1')
        headers = {'X-Project-Id': 'intruder'}
        app = self.api('POST', '/v1/apps', 201, headers=headers, json={
            'version': 1, 'name': 'web', 'languagepack': 'python',
            'ports': [8080],
            'source': {'repository': 'https://git.example.com/x.git'}}).json()
        path = '/v1/apps/%s/workflows' % app['id']
        wf = self.api('POST', path, 201, headers=headers, json={
            'actions': ['deploy'], 'du_id': theirs}).json()
        shown = self.wait_until(lambda: (lambda w: w if w['status'] not in (
            'QUEUED', 'DEPLOYING', 'STARTING_APP') else None)(self.api(
                'GET', '%s/%d' % (path, wf['wf_id']), 200,
                headers=headers).json()), what='the workflow to end')
        self.assertEqual('ERROR_CODE_DEPLOYMENT', shown['status'])
        self.assertEqual('image %s (du_id) does not belong to project '
                         'intruder' % theirs, shown['reason'])
        self.assertEqual([], self.containers(app))
        self.assertEqual([], self.api('GET', '/v1/apps/%s/releases' %
                                      app['id'], 200,
                                      headers=headers).json())

    def test_never_healthy_release_leaves_the_old_one_serving(self):
        app = self.create_app()
        self.deploy(app, image('v1'))
        wf = self.deploy(app, image('broken', broken=True),
                         expect='ERROR_CODE_DEPLOYMENT')
        self.assertIn('release 2 failed', wf['reason'])
        self.assertIn('boom: this release is broken on purpose',
                      wf['reason'])
        self.assertEqual({'v1'}, {m for m, _h in self.served_by(5)})
        self.assertEqual(1, len(self.containers(app)))
        statuses = [r['status'] for r in self.api(
            'GET', '/v1/apps/web/releases', 200).json()]
        self.assertEqual(['ACTIVE', 'FAILED'], statuses)

    def test_killed_replica_is_replaced_and_delete_cleans_up(self):
        app = self.create_app(name='heal')
        # Labelled as the builder labels its images of the app: the app's
        # delete removes those (by label, never by name).
        ref = fx.build_image('localhost/solum/%s/heal:v1' % PROJECT, 'v1',
                             project=PROJECT, app_uuid=app['id'])
        self.deploy(app, ref, scale_target=2)
        first = {c['Names'][0] for c in self.containers(app)}
        victim = sorted(first)[0]
        # The router retries a request a dying replica drops on another
        # one: the crash costs no failed request.
        load = fx.Load('http://127.0.0.1:%d/' % self.router_port,
                       host=self.host('heal'))
        load.start()
        time.sleep(0.3)
        subprocess.run(['podman', 'kill', victim], check=True,
                       capture_output=True)
        self.wait_until(
            lambda: (victim not in {c['Names'][0]
                                    for c in self.containers(app)} and
                     len(self.containers(app)) == 2),
            timeout=30, what='the killed replica to be replaced')
        self.wait_until(lambda: len(self.served_by(10, 'heal')) == 2,
                        timeout=15, what='both replicas serving')
        load.stop()
        self.assertEqual([], load.failures)

        self.api('DELETE', '/v1/apps/heal', 202)
        self.wait_until(lambda: self.api('GET', '/v1/apps/heal').status_code
                        == 404, what='the app to be deleted')
        out = subprocess.run(['podman', 'ps', '-aq', '--filter',
                              'label=solum.app=%s' % app['id']],
                             capture_output=True, text=True).stdout
        self.assertEqual('', out.strip())
        self.assertNotEqual(0, subprocess.run(
            ['podman', 'image', 'exists', ref]).returncode)
        self.assertEqual(404, self.router_get('heal').status_code)

    def test_restart_keeps_apps_and_urls(self):
        app = self.create_app()
        self.deploy(app, image('v1'), scale_target=2)
        url = self.api('GET', '/v1/apps/web').json()['app_url']
        self.services['solum-all'].stop()
        # The router and the replicas outlive the deployer.
        self.assertEqual(200, self.router_get().status_code)
        victim = sorted(c['Names'][0] for c in self.containers(app))[0]
        subprocess.run(['podman', 'rm', '-f', '-t', '0', victim],
                       check=True, capture_output=True)
        self.start_service('solum-all')
        self.wait_until(lambda: base.port_open(self.api_port))
        self.wait_until(lambda: len(self.containers(app)) == 2, timeout=30,
                        what='the missing replica to be started')
        self.wait_until(lambda: len(self.served_by(10)) == 2, timeout=15,
                        what='both replicas serving')
        self.assertEqual(url, self.api('GET', '/v1/apps/web').json()[
            'app_url'])

        # As after a reboot: no router, no container. The next start
        # brings both back from the database.
        self.services['solum-all'].stop()
        fx.cleanup('ft-%s' % self.suffix, self.state_path)
        self.wait_until(lambda: not base.port_open(self.router_port),
                        timeout=10, what='the router to stop')
        self.start_service('solum-all')
        self.wait_until(lambda: len(self.served_by(10)) == 2
                        if base.port_open(self.router_port) else False,
                        timeout=60, what='the app served again')
        self.assertEqual(url, self.api('GET', '/v1/apps/web').json()[
            'app_url'])

    def test_router_reload_for_a_new_app_drops_nothing(self):
        app = self.create_app()
        self.deploy(app, image('v1'))
        loads = [fx.Load('http://127.0.0.1:%d/' % self.router_port,
                         host=self.host('web')),
                 fx.Load('http://127.0.0.1:%d/' % self.router_port,
                         host=self.host('web'), new_connections=True)]
        for load in loads:
            load.start()
        # Each new app adds a backend: the router reloads (-x, -sf).
        for name in ('second', 'third'):
            other = self.create_app(name=name)
            self.deploy(other, image('v2'))
            self.assertTrue(self.router_get(name).text.startswith('v2 '))
        time.sleep(0.3)
        for load in loads:
            load.stop()
            self.assertEqual([], load.failures)
            self.assertGreater(len(load.bodies), 20)

    def test_autoscaling_follows_the_request_rate(self):
        app = self.create_app(parameters={'autoscale': {
            'min': 1, 'max': 3, 'target_rps': 20, 'cooldown': 0}})
        self.deploy(app, image('v1'))
        load = fx.Load('http://127.0.0.1:%d/' % self.router_port,
                       host=self.host('web'))
        load.start()
        try:
            self.wait_until(lambda: len(self.containers(app)) == 3,
                            timeout=60, what='scale-out to 3 under load')
        finally:
            load.stop()
        self.assertEqual([], load.failures)
        self.wait_until(lambda: len(self.containers(app)) == 1,
                        timeout=60, what='scale-in to 1 without load')
        logs = self.api('GET', '/v1/apps/web/logs').json()
        self.assertTrue(logs)
