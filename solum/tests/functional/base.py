"""Functional tests run Solum's real console scripts as processes, against
real databases, the real RabbitMQ and (for auth) the real Keystone."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import fixtures
import requests
import testtools

BIN = os.path.dirname(sys.executable)
RABBIT_URL = 'rabbit://guest:guest@127.0.0.1:5672/'


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def port_open(port, host='127.0.0.1'):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


class Database(fixtures.Fixture):
    """A new, empty database on one backend; dropped afterwards."""

    def __init__(self, backend, state_path):
        super().__init__()
        self.backend = backend
        self.state_path = state_path
        self.name = 'solum_ft_%s' % uuid.uuid4().hex[:12]

    def _setUp(self):
        if self.backend == 'sqlite':
            self.url = 'sqlite:///%s/solum.sqlite' % self.state_path
        elif self.backend == 'mysql':
            import pymysql
            conn = self._connect_mysql(pymysql)
            with conn.cursor() as cur:
                cur.execute('CREATE DATABASE %s CHARACTER SET utf8mb4' %
                            self.name)
            self.addCleanup(self._drop_mysql, pymysql)
            self.url = ('mysql+pymysql://root@127.0.0.1/%s?charset=utf8mb4'
                        % self.name)
        elif self.backend == 'postgresql':
            import psycopg2
            conn = psycopg2.connect(host='127.0.0.1', user='postgres',
                                    dbname='postgres')
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute('CREATE DATABASE %s' % self.name)
            conn.close()
            self.addCleanup(self._drop_postgresql, psycopg2)
            self.url = ('postgresql+psycopg2://postgres@127.0.0.1/%s' %
                        self.name)
        else:
            raise ValueError(self.backend)

    @staticmethod
    def _connect_mysql(pymysql):
        return pymysql.connect(host='127.0.0.1', user='root', password='',
                               autocommit=True)

    def _drop_mysql(self, pymysql):
        conn = self._connect_mysql(pymysql)
        with conn.cursor() as cur:
            cur.execute('DROP DATABASE IF EXISTS %s' % self.name)

    def _drop_postgresql(self, psycopg2):
        conn = psycopg2.connect(host='127.0.0.1', user='postgres',
                                dbname='postgres')
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' %
                        self.name)
        conn.close()


def backend_unavailable(backend):
    """Why a database backend cannot be used here, or None."""
    ports = {'mysql': 3306, 'postgresql': 5432}
    if backend in ports and not port_open(ports[backend]):
        return '%s is not listening on 127.0.0.1:%d (tools/ensure-services' \
               '.sh starts it)' % (backend, ports[backend])
    return None


class Service:
    """One Solum console script running as a process."""

    def __init__(self, name, config_file, log_dir, label=None):
        self.name = name
        self.label = label or name
        self.config_file = config_file
        self.log_path = os.path.join(log_dir, '%s.log' % self.label)
        self.process = None

    def start(self):
        log = open(self.log_path, 'ab')  # noqa: SIM115 (kept for the child)
        self.process = subprocess.Popen(
            [os.path.join(BIN, self.name), '--config-file',
             self.config_file], stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def kill(self):
        """SIGKILL: the process gets no chance to clean up."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, errors='replace') as f:
                return ''.join(f.readlines()[-lines:])
        except OSError:
            return ''


class FunctionalTestCase(testtools.TestCase):
    """Writes a solum.conf for the test and runs services from it."""

    backend = 'sqlite'
    auth_strategy = 'noauth'
    rpc_transport = 'messaging'
    # Tests of the API and the workflow machinery deploy nothing real;
    # end-to-end tests set 'local' (and clean up their containers).
    deployer_driver = 'fake'
    # False: the configuration names no [DEFAULT] host and no [deployer]
    # host_label, as a user's would (the installation's default
    # identity); True: both are ft-<suffix>, what cleanups look for.
    own_host_label = True

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.Timeout(300, gentle=True))
        reason = backend_unavailable(self.backend)
        if reason:
            self.skipTest(reason)
        self.state_path = self.useFixture(fixtures.TempDir()).path
        self.db = self.useFixture(Database(self.backend, self.state_path))
        self.api_port = free_port()
        self.router_port = free_port()
        self.base_url = 'http://127.0.0.1:%d' % self.api_port
        # Topics of its own keep this test's messages away from any other
        # Solum using the same RabbitMQ.
        self.suffix = uuid.uuid4().hex[:8]
        self.config_file = os.path.join(self.state_path, 'solum.conf')
        self.write_config()
        self.services = {}

    def extra_config(self):
        return ''

    def write_config(self):
        with open(self.config_file, 'w') as f:
            f.write(
                '[DEFAULT]\n'
                'auth_strategy = %(auth)s\n'
                'state_path = %(state)s\n'
                'rpc_transport = %(rpc)s\n'
                'transport_url = %(rabbit)s\n'
                '%(host)s'
                '[database]\n'
                'connection = %(db)s\n'
                '[api]\n'
                'host = 127.0.0.1\n'
                'port = %(port)d\n'
                'log_follow_interval = 0.1\n'
                '[conductor]\n'
                'topic = solum-conductor-%(suffix)s\n'
                '[builder]\n'
                'topic = solum-builder-%(suffix)s\n'
                '[deployer]\n'
                'topic = solum-deployer-%(suffix)s\n'
                'driver = %(driver)s\n'
                '%(host_label)s'
                'router_port = %(router_port)d\n'
                '[security]\n'
                'secret_key = cw_0x689RpI-jtRR7oE8h_eJsKHnqhYlCk1ppHSkESI=\n'
                % {'auth': self.auth_strategy, 'state': self.state_path,
                   'rpc': self.rpc_transport, 'rabbit': RABBIT_URL,
                   'suffix': self.suffix, 'db': self.db.url,
                   'port': self.api_port, 'driver': self.deployer_driver,
                   'router_port': self.router_port,
                   'host': ('host = ft-%s\n' % self.suffix
                            if self.own_host_label else ''),
                   'host_label': ('host_label = ft-%s\n' % self.suffix
                                  if self.own_host_label else '')})
            f.write(self.extra_config())

    def run_command(self, *argv):
        return subprocess.run(
            [os.path.join(BIN, argv[0]), '--config-file', self.config_file]
            + list(argv[1:]), capture_output=True, text=True, timeout=120)

    def db_upgrade(self):
        result = self.run_command('solum-db-manage', 'upgrade')
        self.assertEqual(0, result.returncode, result.stderr)

    def start_service(self, name, label=None):
        """Start (or restart) a console script; ``label`` names a second
        process of the same script (its own log)."""
        label = label or name
        service = self.services.get(label)
        if service is None:
            service = Service(name, self.config_file, self.state_path,
                              label=label)
            self.services[label] = service
            self.addCleanup(service.stop)
            self.addOnException(lambda exc_info, s=service: self.addDetail(
                '%s-log' % s.label, testtools.content.text_content(
                    s.log_tail())))
        service.start()
        if name in ('solum-api', 'solum-all'):
            self.wait_for_api(service)
        return service

    def wait_for_api(self, service, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if service.process.poll() is not None:
                self.fail('%s exited with %s:\n%s' % (
                    service.name, service.process.returncode,
                    service.log_tail()))
            try:
                if requests.get(self.base_url + '/healthcheck',
                                timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        self.fail('%s did not answer:\n%s' % (service.name,
                                              service.log_tail()))

    def wait_until(self, predicate, timeout=60, interval=0.1, what=''):
        deadline = time.monotonic() + timeout
        value = None
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(interval)
        self.fail('timed out waiting for %s (last: %r)' % (what, value))


def keystone_config(cloud):
    """[keystone_authtoken] and [service_auth] for the harness Keystone."""
    service = cloud['service_user']
    values = {'auth': cloud['auth_url'], 'user': service['name'],
              'password': service['password'],
              'project': service['project']}
    common = ('auth_url = %(auth)s\nauth_type = password\n'
              'username = %(user)s\npassword = %(password)s\n'
              'project_name = %(project)s\nuser_domain_id = default\n'
              'project_domain_id = default\n')
    return (('[keystone_authtoken]\nwww_authenticate_uri = %(auth)s\n' +
             common + '[service_auth]\n' + common) % values)
