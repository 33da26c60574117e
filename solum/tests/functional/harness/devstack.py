# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.
"""Runs devstack/plugin.sh, phase by phase, against the minicloud.

DevStack itself cannot run on these machines (it clones every project
over the network). ``DevStackRunner`` stands in for the part of DevStack
around a plugin: it sources ``devstack-functions.sh`` (next to this
file: the few DevStack functions the plugin calls), the plugin's
``devstack/settings``, and then ``devstack/plugin.sh`` with each phase,
in a new ``bash`` per phase (``errexit`` and ``pipefail`` on, as in
``stack.sh``), with the variables DevStack would have set.

What stays real: ``iniset`` writes the ini files Solum and uWSGI read;
the catalog functions create the service user, its roles, the region and
the endpoints in the minicloud's Keystone (``openstack`` CLI as admin);
``recreate_database`` creates a MariaDB database and ``iniset_rpc_backend``
points at RabbitMQ; ``run_process`` starts the real processes (solum-api
under the minicloud's uWSGI) and ``stop_process`` stops them; everything
the plugin does itself (podman, the base images, solum-db-manage, the
database drop of ``clean``) runs as it would under DevStack.

What is done another way: processes get a session and a pidfile rather
than a systemd unit; uWSGI answers HTTP on a port of this runner's
(``SOLUM_SERVICE_HOST`` is ``127.0.0.1:PORT``) rather than behind
Apache's ``ProxyPass /application_deployment``; ``setup_develop`` checks
that Solum is installed in develop mode from this tree in the running
virtualenv (tox ``usedevelop``) rather than installing it again; ``sudo``
is a no-op (the tests run as root). The base of ``tempest.conf`` (what
DevStack's lib/tempest writes: identity, admin credentials, services)
is written by ``write_tempest_base_config``.

Isolation from every other Solum and test on the machine: its own
region ``solum-ds-<suffix>`` for Solum's endpoints, service user
``solum-ds-<suffix>``, database ``solum_ds_<suffix>``, RabbitMQ vhost
``solum_ds_<suffix>``, ``[DEFAULT] host`` label, ports, and every file
under its work directory. ``clean`` leaves the shared base images.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid

from solum.tests.functional.harness import keystone

HERE = os.path.dirname(os.path.abspath(__file__))
FUNCTIONS = os.path.join(HERE, 'devstack-functions.sh')
REPO = keystone.REPO_ROOT
VENV_BIN = os.path.dirname(sys.executable)
TABLES = ('apps', 'workflows', 'workflow_transitions', 'language_packs',
          'plans', 'log_lines', 'releases')
PHASES = ('pre-install', 'install', 'post-config', 'extra', 'test-config')


class PhaseFailed(Exception):
    pass


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def minicloud_venv():
    return os.environ.get('MINICLOUD_VENV', '/opt/solum-minicloud/venv')


class DevStackRunner:
    """One DevStack-style Solum: ``stack()``, ``unstack()``, ``clean()``.

    ``overrides`` are local.conf settings (``SOLUM_DEPLOYER_DRIVER``...).
    """

    def __init__(self, workdir, cloud, overrides=None):
        self.workdir = workdir
        self.cloud = cloud
        self.ks = cloud['keystone']
        self.suffix = uuid.uuid4().hex[:8]
        self.name = 'solum-ds-%s' % self.suffix
        self.db_name = 'solum_ds_%s' % self.suffix
        self.vhost = 'solum_ds_%s' % self.suffix
        self.api_port = _free_port()
        self.router_port = _free_port()
        self.log_dir = os.path.join(workdir, 'logs')
        self.run_dir = os.path.join(workdir, 'run')
        self.conf_dir = os.path.join(workdir, 'etc', 'solum')
        self.data_dir = os.path.join(workdir, 'data')
        self.state_path = os.path.join(self.data_dir, 'solum')
        self.tempest_dir = os.path.join(workdir, 'tempest')
        self.tempest_conf = os.path.join(self.tempest_dir, 'etc',
                                         'tempest.conf')
        self.service_password = 'ds-%s' % uuid.uuid4().hex
        self.phase_log = os.path.join(workdir, 'phases.log')
        self.bin_dir = os.path.join(workdir, 'bin')
        os.makedirs(self.log_dir, exist_ok=True)
        os.makedirs(self.bin_dir, exist_ok=True)
        # `which uwsgi` finds the minicloud's uWSGI (built with the same
        # Python), nothing else of the minicloud's virtualenv.
        link = os.path.join(self.bin_dir, 'uwsgi')
        if not os.path.exists(link):
            os.symlink(os.path.join(minicloud_venv(), 'bin', 'uwsgi'), link)
        self.overrides = dict(overrides or {})
        self.timings = {}

    # ------------------------------------------------------------ env

    @property
    def api_url(self):
        return 'http://127.0.0.1:%d/application_deployment' % self.api_port

    @property
    def region(self):
        return self.name

    def environment(self):
        admin = self.ks['admin']
        env = dict(os.environ)
        for key in list(env):
            if key.startswith('OS_'):
                del env[key]
        env.update({
            'PATH': os.pathsep.join([VENV_BIN, self.bin_dir,
                                     env.get('PATH', '')]),
            'VIRTUAL_ENV': os.path.dirname(VENV_BIN),
            # DevStack's own variables.
            'DEST': os.path.dirname(REPO), 'DATA_DIR': self.data_dir,
            'STACK_USER': 'root', 'LOGDIR': self.log_dir,
            'SERVICE_HOST': '127.0.0.1', 'SERVICE_PROTOCOL': 'http',
            'SERVICE_LISTEN_ADDRESS': '127.0.0.1',
            'REGION_NAME': 'RegionOne', 'SERVICE_TIMEOUT': '90',
            'KEYSTONE_SERVICE_URI': self.ks['auth_url'].rsplit('/v3', 1)[0],
            'SERVICE_PASSWORD': self.service_password,
            'SERVICE_DOMAIN_NAME': 'Default',
            'SERVICE_PROJECT_NAME': 'service',
            'ENABLE_DEBUG_LOG_LEVEL': 'True', 'API_WORKERS': '1',
            'ENABLED_SERVICES': 'key,glance,n-api,n-cpu,h-api,h-eng,tempest',
            'VIRT_DRIVER': 'fake',
            'TEMPEST_CONFIG': self.tempest_conf,
            'DATABASE_USER': 'root', 'DATABASE_HOST': '127.0.0.1',
            'RABBIT_USERID': 'guest', 'RABBIT_PASSWORD': 'guest',
            'RABBIT_HOST': '127.0.0.1', 'RABBIT_VHOST': self.vhost,
            'HARNESS_RUN_DIR': self.run_dir,
            # The openstack CLI of the catalog functions: admin.
            'OS_AUTH_URL': self.ks['auth_url'],
            'OS_USERNAME': admin['name'], 'OS_PASSWORD': admin['password'],
            'OS_PROJECT_NAME': admin['project'],
            'OS_USER_DOMAIN_ID': 'default', 'OS_PROJECT_DOMAIN_ID': 'default',
            'OS_IDENTITY_API_VERSION': '3',
            # local.conf: this runner's isolation.
            'SOLUM_DIR': REPO, 'SOLUM_CONF_DIR': self.conf_dir,
            'SOLUM_SERVICE_HOST': '127.0.0.1:%d' % self.api_port,
            'SOLUM_SERVICE_USER': self.name,
            'SOLUM_REGION_NAME': self.region,
            'SOLUM_DATABASE_NAME': self.db_name,
            'SOLUM_HOST': self.name,
            'SOLUM_ROUTER_HOST': '127.0.0.1',
            'SOLUM_ROUTER_PORT': str(self.router_port),
            'SOLUM_HEAT_FLAVOR': 'm1.tiny',
            'SOLUM_HEAT_STACK_TIMEOUT': '5',
        })
        env.update(self.overrides)
        return env

    # --------------------------------------------------------- phases

    def run_phase(self, *args, timeout=900):
        script = ('set -o errexit -o pipefail\n'
                  'source "%s"\nsource "$SOLUM_DIR/devstack/settings"\n'
                  'source "$SOLUM_DIR/devstack/plugin.sh" "$@"\n' % FUNCTIONS)
        started = time.monotonic()
        with open(self.phase_log, 'a') as log:
            log.write('\n===== %s\n' % ' '.join(args))
            log.flush()
            proc = subprocess.run(
                ['bash', '-c', script, 'plugin.sh', *args],
                env=self.environment(), cwd=self.workdir,
                stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, timeout=timeout, check=False)
        self.timings[' '.join(args)] = time.monotonic() - started
        if proc.returncode != 0:
            raise PhaseFailed('plugin.sh %s failed (exit %d):\n%s' % (
                ' '.join(args), proc.returncode, self.log_tail()))

    def log_tail(self, lines=60, path=None):
        try:
            with open(path or self.phase_log, errors='replace') as f:
                return ''.join(f.readlines()[-lines:])
        except OSError:
            return ''

    def stack(self):
        self._prepare_rabbit()
        self._tempest_init()
        self.write_tempest_base_config()
        started = time.monotonic()
        for phase in PHASES:
            self.run_phase('stack', phase)
        self.timings['stack'] = time.monotonic() - started

    def unstack(self):
        self.run_phase('unstack')

    def clean(self):
        self.run_phase('clean')

    # ------------------------------------------------ what stays around

    def _rabbitmqctl(self, *args):
        return subprocess.run(['rabbitmqctl', '-q', *args],
                              capture_output=True, text=True, timeout=60,
                              check=False)

    def _prepare_rabbit(self):
        self._rabbitmqctl('add_vhost', self.vhost)
        self._rabbitmqctl('set_permissions', '-p', self.vhost, 'guest',
                          '.*', '.*', '.*')

    def openstack(self, *args):
        env = self.environment()
        return subprocess.run([os.path.join(VENV_BIN, 'openstack'), *args],
                              env=env, capture_output=True, text=True,
                              timeout=120, check=False)

    def catalog_entries(self):
        """Endpoints of this runner's region."""
        proc = self.openstack('endpoint', 'list', '--region', self.region,
                              '-f', 'json')
        return json.loads(proc.stdout) if proc.returncode == 0 else []

    def forget(self):
        """What DevStack's unstack/clean leaves for the next stack.sh
        (Keystone entries, the vhost) is this runner's, not the plugin's:
        removed here."""
        self._rabbitmqctl('delete_vhost', self.vhost)
        subprocess.run(['mysql', '-uroot', '-h127.0.0.1', '-e',
                        'DROP DATABASE IF EXISTS %s' % self.db_name],
                       capture_output=True, timeout=60, check=False)
        for endpoint in self.catalog_entries():
            self.openstack('endpoint', 'delete', endpoint['ID'])
        self.openstack('region', 'delete', self.region)
        self.openstack('user', 'delete', self.name)

    def databases(self):
        proc = subprocess.run(
            ['mysql', '-uroot', '-h127.0.0.1', '-NBe', 'SHOW DATABASES'],
            capture_output=True, text=True, timeout=60, check=True)
        return proc.stdout.split()

    def table_rows(self, table):
        if table not in TABLES:
            raise ValueError(table)
        proc = subprocess.run(
            ['mysql', '-uroot', '-h127.0.0.1', '-NBe',
             'SELECT COUNT(*) FROM %s' % table,  # noqa: S608 (TABLES)
             self.db_name],
            capture_output=True, text=True, timeout=60, check=True)
        return int(proc.stdout.strip())

    def processes(self):
        """Processes whose command line names this runner's files."""
        found = []
        for pid in os.listdir('/proc'):
            if not pid.isdigit():
                continue
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as f:
                    cmd = f.read().replace(b'\0', b' ').decode(
                        errors='replace')
            except OSError:
                continue
            if self.workdir in cmd:
                found.append((int(pid), cmd.strip()))
        return found

    # ---------------------------------------------------------- tempest

    def write_tempest_base_config(self):
        """What DevStack's lib/tempest writes before the plugins'
        test-config: identity, the admin for dynamic credentials, the
        services this cloud has."""
        admin = self.ks['admin']
        os.makedirs(os.path.dirname(self.tempest_conf), exist_ok=True)
        with open(self.tempest_conf, 'w') as f:
            f.write(
                '[DEFAULT]\nlog_dir = %(logs)s\nlog_file = tempest.log\n'
                '[oslo_concurrency]\nlock_path = %(locks)s\n'
                '[auth]\nuse_dynamic_credentials = True\n'
                'create_isolated_networks = False\n'
                'admin_username = %(admin)s\nadmin_password = %(pw)s\n'
                'admin_project_name = %(project)s\n'
                'admin_domain_name = Default\n'
                '[identity]\nauth_version = v3\nuri_v3 = %(auth)s\n'
                'region = RegionOne\nadmin_role = admin\n'
                'disable_ssl_certificate_validation = True\n'
                '[identity-feature-enabled]\napi_v2 = False\n'
                '[service_available]\nglance = True\nnova = True\n'
                'neutron = False\ncinder = False\nswift = False\n'
                '[validation]\nrun_validation = False\n'
                % {'logs': self.log_dir,
                   'locks': os.path.join(self.tempest_dir, 'locks'),
                   'admin': admin['name'], 'pw': admin['password'],
                   'project': admin['project'],
                   'auth': self.ks['auth_url']})

    def _tempest_init(self):
        if os.path.exists(os.path.join(self.tempest_dir, '.stestr.conf')):
            return
        subprocess.run(
            [os.path.join(VENV_BIN, 'tempest'), 'init', '--workspace-path',
             os.path.join(self.workdir, 'workspace.yaml'), self.tempest_dir],
            check=True, capture_output=True, timeout=300)

    def tempest_run(self, regex=r'^solum\.tests\.tempest\.',
                    concurrency=2, timeout=1500):
        """``tempest run`` of the plugin's tests; returns (returncode,
        results) with results {test id: (status, reason)}."""
        stream = os.path.join(self.workdir, 'tempest.subunit')
        started = time.monotonic()
        with open(stream, 'wb') as out, \
                open(os.path.join(self.log_dir, 'tempest-run.log'),
                     'ab') as err:
            proc = subprocess.run(
                [os.path.join(VENV_BIN, 'tempest'), 'run', '--config-file',
                 self.tempest_conf, '--regex', regex, '--concurrency',
                 str(concurrency), '--subunit'],
                cwd=self.tempest_dir, env=self.environment(),
                stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                timeout=timeout, check=False)
        self.timings['tempest'] = time.monotonic() - started
        return proc.returncode, parse_subunit(stream)

    def remove_workdir(self):
        shutil.rmtree(self.workdir, ignore_errors=True)


def parse_subunit(path):
    """{test id: (status, reason or details)} of a subunit v2 stream."""
    import subunit
    import testtools

    results = {}

    def on_test(test):
        if test['status'] in ('exists', None):
            return
        details = test['details']
        text = ''
        for key in ('reason', 'traceback'):
            if key in details:
                text = details[key].as_text()
                break
        results[test['id'].split('[', 1)[0]] = (test['status'], text)

    with open(path, 'rb') as f:
        case = subunit.ByteStreamToStreamResult(f, non_subunit_name='stdout')
        result = testtools.StreamToDict(on_test)
        result.startTestRun()
        try:
            case.run(result)
        finally:
            result.stopTestRun()
    return results
