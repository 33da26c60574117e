"""Horizon's test case with a fake Solum client in place of the API."""

from unittest import mock

from openstack_auth import policy as auth_policy
from openstack_dashboard.test import helpers

from solum_dashboard.api import solum


class FakeSolum:
    """What the views call of solumclient, as mocks: ``apps``,
    ``workflows``, ``language_packs``."""

    def __init__(self):
        self.apps = mock.Mock(name='apps')
        self.workflows = mock.Mock(name='workflows')
        self.language_packs = mock.Mock(name='language_packs')
        self.apps.list.return_value = []
        self.apps.releases.return_value = []
        self.workflows.list.return_value = []
        self.language_packs.list.return_value = []
        workflow = {'wf_id': 1, 'status': 'QUEUED', 'actions': ['deploy']}
        self.workflows.create.return_value = workflow
        self.apps.rollback.return_value = workflow


class TestCase(helpers.TestCase):

    def setUp(self):
        super().setUp()
        self.solum = FakeSolum()
        patcher = mock.patch.object(solum, 'client',
                                    return_value=self.solum)
        patcher.start()
        self.addCleanup(patcher.stop)

    def with_policy(self, roles):
        """Check the API's rules (Horizon's unit tests skip policy) as a
        user with ``roles`` on the project."""
        self._setup_user(roles=[{'id': str(i), 'name': r}
                                for i, r in enumerate(roles)])
        override = self.settings(
            POLICY_CHECK_FUNCTION='openstack_auth.policy.check')
        override.enable()
        self.addCleanup(override.disable)
        auth_policy.reset()
        self.addCleanup(auth_policy.reset)


def app(name='web', status='DEPLOYMENT_COMPLETE', **fields):
    body = {'id': 'uuid-%s' % name, 'uuid': 'uuid-%s' % name, 'name': name,
            'status': status, 'project_id': '1',
            'app_url': 'http://%s.proj.apps.localhost:8088/' % name,
            'languagepack': 'python', 'description': '',
            'source': {'repository': 'https://git.example.com/%s.git' % name,
                       'revision': 'main'},
            'git_url': 'http://127.0.0.1:9777/v1/apps/uuid-%s/git' % name,
            'workflow_config': {'run_cmd': 'python app.py'},
            'ports': [8080], 'parameters': {'user_params': {'A': '1'}}}
    body.update(fields)
    return body


def release(number, status='ACTIVE', replicas=1, app_id='uuid-web'):
    return {'id': 'r%d' % number, 'number': number, 'status': status,
            'replicas': replicas, 'image': 'img:%d' % number,
            'app_id': app_id, 'rollback_of': None, 'reason': None,
            'created_at': '2026-12-01T00:00:00'}
