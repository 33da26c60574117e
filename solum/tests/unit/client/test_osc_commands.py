"""The OpenStackClient commands against the real API app (in-process, over
WSGI, with the fake deployer): --wait, -f yaml / -f value, and the
messages of 404 and 403."""

import io
import types

import fixtures
import yaml
from osc_lib import exceptions as osc_exc

from solum.tests.unit.api import base
from solum.tests.unit.client import test_client
from solumclient import client
from solumclient.osc.v1 import apps
from solumclient.osc.v1 import common
from solumclient.osc.v1 import language_packs
from solumclient.osc.v1 import plans

IMAGE = 'localhost/solum/a/web:1'


class CommandTestCase(base.APITestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(fixtures.MockPatchObject(common, 'POLL_INTERVAL',
                                                 0.01))
        self.conf.config(log_follow_interval=0.05, group='api')
        self.clients = {}

    def solum(self, roles):
        if roles not in self.clients:
            # One session per client: each routes with its own roles.
            solum = client.Client(endpoint='http://solum.test',
                                  project_id=base.PROJECT_A)
            self.useFixture(test_client._RouteToWSGI(
                solum, self.app, self.headers(roles=roles)))
            self.clients[roles] = solum
        return self.clients[roles]

    def openstack(self, command_class, *argv, roles='member,reader'):
        """(stdout, stderr) of the command as `openstack` runs it; a
        failure raises CommandError (osc prints it, exits 1)."""
        out, err = io.StringIO(), io.StringIO()
        shell = types.SimpleNamespace(
            client_manager=types.SimpleNamespace(
                application_deployment=self.solum(roles)),
            stdout=out, stderr=err)
        command = command_class(shell, None)
        parsed = command.get_parser('openstack').parse_args(list(argv))
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', err))
        command.run(parsed)
        return out.getvalue(), err.getvalue()

    def fails(self, command_class, *argv, **kw):
        return str(self.assertRaises(osc_exc.CommandError, self.openstack,
                                     command_class, *argv, **kw))


class TestWait(CommandTestCase):

    def test_deploy_wait_succeeds_on_deployment_complete(self):
        self.create_app('web')
        out, err = self.openstack(apps.DeployApp, 'web', '--du-id', IMAGE,
                                  '--wait', '-f', 'yaml')
        shown = yaml.safe_load(out)
        self.assertEqual(('DEPLOYMENT_COMPLETE', ['deploy'], 1),
                         (shown['status'], shown['actions'],
                          shown['wf_id']))
        self.assertIn('DEPLOYING -> STARTING_APP', err)

    def test_build_wait_fails_with_the_reason(self):
        self.create_app('web')
        message = self.fails(apps.BuildApp, 'web', '--wait')
        self.assertTrue(message.startswith('Workflow 1 of web ended ERROR: '),
                        message)
        self.assertEqual(1, len(message.splitlines()))

    def test_scale_wait(self):
        self.create_app('web')
        self.openstack(apps.DeployApp, 'web', '--du-id', IMAGE, '--wait')
        out, err = self.openstack(apps.ScaleApp, 'web', '3', '--wait',
                                  '-f', 'value', '-c', 'replicas')
        self.assertEqual('3\n', out)
        self.assertIn('web: 3 of 3 replica(s) running', err)
        self.assertEqual(3, len(self.solum('member,reader').apps.replicas(
            'web')))

    def test_delete_wait_until_gone(self):
        self.create_app('web')
        self.create_app('api')
        out, err = self.openstack(apps.DeleteApp, 'web', 'api', '--wait')
        self.assertEqual('', out)
        self.assertEqual(['web: DELETING', 'web: deleted', 'api: deleted'],
                         [x for x in err.splitlines() if x != 'api: DELETING'])
        self.assertEqual([], self.solum('member,reader').apps.list())

    def test_delete_wait_of_an_unknown_app(self):
        self.assertEqual('App nope could not be found (openstack app list '
                         'shows your apps).',
                         self.fails(apps.DeleteApp, 'nope', '--wait'))

    def test_languagepack_create_wait_fails_with_the_reason(self):
        # Unit tests fetch nothing over https: the build fails at once.
        message = self.fails(language_packs.CreateLanguagePack, 'java17',
                             'https://git.example.com/lp.git', '--wait')
        self.assertTrue(message.startswith('Language pack java17 ended '
                                           'ERROR: '), message)
        self.assertEqual(1, len(message.splitlines()))
        out, _err = self.openstack(language_packs.ShowLanguagePack,
                                   'java17', '-f', 'value', '-c', 'status',
                                   '-c', 'name')
        self.assertEqual(['java17', 'ERROR'], out.split())


class TestOutputAndErrors(CommandTestCase):

    def test_show_as_yaml_and_value(self):
        self.create_app('web')
        out, _err = self.openstack(apps.ShowApp, 'web', '-f', 'yaml')
        shown = yaml.safe_load(out)
        self.assertEqual(set(common.APP_COLUMNS), set(shown))
        self.assertEqual(('web', 'CREATED'), (shown['name'],
                                              shown['status']))
        out, _err = self.openstack(apps.ShowApp, 'web', '-f', 'value',
                                   '-c', 'id', '-c', 'name')
        self.assertEqual([shown['id'], 'web'], out.split())

    def test_webhook_secret_shown_once(self):
        app_id = self.create_app('web').json['id']
        out, _err = self.openstack(apps.WebhookSecret, 'web', '-f', 'yaml')
        shown = yaml.safe_load(out)
        self.assertTrue(shown['webhook_url'].endswith(
            '/v1/apps/%s/webhook' % app_id), shown['webhook_url'])
        self.assertGreaterEqual(len(shown['secret']), 40)
        self.assertFalse(shown['rotated'])
        again = yaml.safe_load(self.openstack(
            apps.WebhookSecret, 'web', '-f', 'yaml')[0])
        self.assertTrue(again['rotated'])
        self.assertNotEqual(shown['secret'], again['secret'])
        out, _err = self.openstack(apps.ShowApp, 'web', '-f', 'yaml')
        self.assertNotIn(again['secret'], out)
        self.assertIn('not allowed', self.fails(apps.WebhookSecret, 'web',
                                                roles='reader'))

    def test_unknown_app(self):
        self.assertEqual('App nope could not be found (openstack app list '
                         'shows your apps).',
                         self.fails(apps.ShowApp, 'nope'))

    def test_forbidden(self):
        self.create_app('web')
        self.assertEqual(
            'You are not allowed to delete apps (policy solum:apps:delete); '
            'your role does not allow it: ask a project member or admin.',
            self.fails(apps.DeleteApp, 'web', roles='reader'))

    def test_language_packs_and_plans_show_and_not_found(self):
        self.openstack(language_packs.CreateLanguagePack, 'java17',
                       'https://git.example.com/lp.git')
        out, _err = self.openstack(language_packs.ListLanguagePacks, '-f',
                                   'value', '-c', 'name', '--custom')
        self.assertEqual('java17\n', out)
        # Without --custom the built-in packs come first.
        out, _err = self.openstack(language_packs.ListLanguagePacks, '-f',
                                   'value', '-c', 'name', '-c', 'builtin')
        self.assertEqual('python True\nnodejs True\ndockerfile True\n'
                         'auto True\njava17 False\n', out)
        out, _err = self.openstack(language_packs.ShowLanguagePack, 'python',
                                   '-f', 'value', '-c', 'status')
        self.assertEqual('READY\n', out)
        self.assertIn('built-in packs cannot be deleted', self.fails(
            language_packs.DeleteLanguagePack, 'python'))
        self.assertEqual(
            'Language pack nope could not be found (openstack languagepack '
            'list shows them).',
            self.fails(language_packs.ShowLanguagePack, 'nope'))
        self.assertEqual(
            'Language pack nope could not be found (openstack languagepack '
            'list shows them).',
            self.fails(language_packs.DeleteLanguagePack, 'nope'))
        plan = self.solum('member,reader').plans.create('version: 1\n'
                                                        'name: p\n')
        out, _err = self.openstack(plans.ShowPlan, plan['uuid'], '-f',
                                   'value', '-c', 'name')
        self.assertEqual('p\n', out)
        self.assertEqual(
            'Plan nope could not be found (openstack app plan list shows '
            'them).', self.fails(plans.ShowPlan, 'nope'))
        self.assertEqual(
            'Plan nope could not be found (openstack app plan list shows '
            'them).', self.fails(plans.DeletePlan, 'nope'))

    def test_workflow_not_found(self):
        self.create_app('web')
        self.assertEqual(
            'Workflow 9 could not be found (openstack app workflow list '
            '<app> shows its workflows).',
            self.fails(apps.ShowWorkflow, 'web', '9'))
