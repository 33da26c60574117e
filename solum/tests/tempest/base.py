"""What every Solum Tempest test shares: clients for the personas, app
bodies, waits and clean-ups."""

import time
import uuid

from tempest import config
from tempest import test
from tempest.lib import exceptions as lib_exc

from solum.tests.tempest.services import clients

CONF = config.CONF

FINAL = ('DEPLOYMENT_COMPLETE', 'BUILT', 'ERROR')


def rand_name(prefix='tempest'):
    """An app name (a DNS label) no other test uses."""
    return '%s-%s' % (prefix, uuid.uuid4().hex[:10])


def app_body(name, repository='https://git.example.invalid/app.git',
             **extra):
    body = {'version': 1, 'name': name, 'languagepack': 'python',
            'source': {'repository': repository, 'revision': 'main'},
            'workflow_config': {'run_cmd': 'python3 app.py'},
            'ports': [8080]}
    body.update(extra)
    return body


class SolumBaseTest(test.BaseTestCase):
    """Clients of member, reader and admin of one project, and of a
    member of another."""

    credentials = ['project_member', 'project_reader', 'project_admin',
                   'project_alt_member']

    @classmethod
    def skip_checks(cls):
        super().skip_checks()
        if not CONF.service_available.solum:
            raise cls.skipException('Solum is not available '
                                    '([service_available] solum)')

    @classmethod
    def _solum(cls, manager):
        params = config.service_client_config()
        params.pop('region', None)
        return clients.SolumClient(
            manager.auth_provider, CONF.solum.catalog_type,
            CONF.solum.region or CONF.identity.region,
            endpoint_type=CONF.solum.endpoint_type,
            build_timeout=CONF.solum.build_timeout,
            build_interval=CONF.solum.build_interval, **params)

    @classmethod
    def setup_clients(cls):
        super().setup_clients()
        cls.member = cls._solum(cls.os_project_member)
        cls.reader = cls._solum(cls.os_project_reader)
        cls.admin = cls._solum(cls.os_project_admin)
        cls.alt = cls._solum(cls.os_project_alt_member)

    def create_app(self, client=None, **extra):
        client = client or self.member
        name = extra.pop('name', None) or rand_name()
        _resp, app = client.create_app(app_body(name, **extra))
        self.addCleanup(self.delete_app_and_wait, client, app['id'])
        return app

    def delete_app_and_wait(self, client, ident, timeout=None):
        try:
            client.delete_app(ident)
        except lib_exc.NotFound:
            return
        self.wait_for(lambda: self._gone(client.show_app, ident),
                      timeout=timeout, what='app %s to be deleted' % ident)

    @staticmethod
    def _gone(show, ident):
        try:
            show(ident)
        except lib_exc.NotFound:
            return True
        return False

    def wait_for(self, predicate, timeout=None, interval=None, what=''):
        timeout = timeout or CONF.solum.build_timeout
        interval = interval or CONF.solum.build_interval
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(interval)
        raise lib_exc.TimeoutException('timed out after %d s waiting for '
                                       '%s (last: %r)' % (timeout, what,
                                                          last))

    def run_workflow(self, app, actions, client=None, **extra):
        """Start a workflow and wait until it ends; returns it."""
        client = client or self.member
        _resp, wf = client.create_workflow(app, actions, **extra)

        def finished():
            _resp, shown = client.show_workflow(app, wf['wf_id'])
            return shown if shown['status'].startswith(FINAL) else None
        shown = self.wait_for(finished, what='workflow %s of %s' %
                              (wf['wf_id'], app))
        if not shown['status'].startswith('DEPLOYMENT_COMPLETE'):
            _resp, logs = client.workflow_logs(app, wf['wf_id'])
            tail = '\n'.join(str(line.get('message', line))
                             for line in (logs or [])[-30:])
            self.fail('workflow %s ended %s: %s\n%s' % (
                wf['wf_id'], shown['status'], shown.get('reason'), tail))
        return shown
