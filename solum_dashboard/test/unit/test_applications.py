from django.core.files import uploadedfile
from django.urls import reverse

from solum_dashboard.api import solum
from solum_dashboard.test import helpers
from solumclient import exceptions as solum_exc

INDEX = reverse('horizon:project:solum_applications:index')
CREATE = reverse('horizon:project:solum_applications:create')


def detail(app_id='uuid-web'):
    return reverse('horizon:project:solum_applications:detail',
                   args=(app_id,))


class IndexTests(helpers.TestCase):

    def test_table_shows_status_url_release_replicas(self):
        self.solum.apps.list.return_value = [helpers.app()]
        self.solum.apps.releases.return_value = [
            helpers.release(1, 'SUPERSEDED'), helpers.release(2, replicas=3)]
        res = self.client.get(INDEX)
        self.assertTemplateUsed(res, 'horizon/common/_data_table_view.html')
        [row] = res.context['table'].data
        self.assertEqual((2, 3, solum.IDLE),
                         (row.active_release, row.replicas, row.state))
        self.assertContains(
            res, '<a href="http://web.proj.apps.localhost:8088/" '
                 'target="_blank"')
        self.assertContains(res, 'DEPLOYMENT_COMPLETE')
        # Members see every write action.
        for action in ('solum_applications/create/', 'apps__delete',
                       'apps__deploy__uuid-web'):
            self.assertContains(res, action)
        self.assertContains(res, 'solum_applications/uuid-web/scale/')
        self.assertContains(res, 'solum_applications/uuid-web/rollback/')

    def test_running_rows_refresh_themselves(self):
        self.solum.apps.list.return_value = [
            helpers.app(status='BUILDING'),
            helpers.app(name='done', status='DEPLOYMENT_COMPLETE')]
        res = self.client.get(INDEX)
        html = res.content.decode()
        rows = html.split('<tr')
        building = [r for r in rows if 'apps__row__uuid-web' in r][0]
        done = [r for r in rows if 'apps__row__uuid-done' in r][0]
        # Horizon's table script refreshes the rows of unknown status.
        self.assertIn('ajax-update warning', building.split('>')[0])
        self.assertIn('data-update-url', building)
        self.assertIn('status_up', done.split('>')[0])

    def test_row_update_returns_the_refreshed_row(self):
        self.solum.apps.get.return_value = helpers.app(
            status='DEPLOYMENT_COMPLETE')
        self.solum.apps.releases.return_value = [helpers.release(1)]
        res = self.client.get(
            INDEX + '?action=row_update&table=apps&obj_id=uuid-web',
            HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'DEPLOYMENT_COMPLETE')
        self.assertNotContains(res, 'ajax-update warning')

    def test_row_update_of_a_deleted_app_is_404(self):
        self.solum.apps.get.side_effect = solum_exc.NotFound('gone', 404)
        res = self.client.get(
            INDEX + '?action=row_update&table=apps&obj_id=uuid-web',
            HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertEqual(404, res.status_code)

    def test_build_only_workflow_that_ended_is_idle(self):
        self.solum.apps.list.return_value = [helpers.app(status='BUILT')]
        self.solum.workflows.list.return_value = [
            {'wf_id': 1, 'status': 'BUILT', 'actions': ['build']}]
        res = self.client.get(INDEX)
        self.assertEqual(solum.IDLE, res.context['table'].data[0].state)
        self.solum.workflows.list.return_value = [
            {'wf_id': 1, 'status': 'BUILT', 'actions': ['build', 'deploy']}]
        res = self.client.get(INDEX)
        self.assertEqual(solum.RUNNING, res.context['table'].data[0].state)

    def test_api_error_is_a_message_with_the_faultstring(self):
        self.solum.apps.list.side_effect = solum_exc.ServerError(
            'the database is down', 500)
        res = self.client.get(INDEX)
        self.assertEqual([], res.context['table'].data)
        self.assertMessageCount(res, error=1)
        self.assertIn('the database is down',
                      str(list(res.context['messages'])[0]))

    def test_deploy_starts_a_workflow(self):
        self.solum.apps.list.return_value = [helpers.app()]
        res = self.client.post(INDEX, {'action': 'apps__deploy__uuid-web'})
        self.assertRedirectsNoFollow(res, INDEX)
        self.solum.workflows.create.assert_called_once_with(
            'uuid-web', ('unittest', 'build', 'deploy'))

    def test_deploy_refused_shows_faultstring(self):
        self.solum.apps.list.return_value = [helpers.app()]
        self.solum.workflows.create.side_effect = solum_exc.Conflict(
            'app web is being deleted', 409)
        res = self.client.post(INDEX, {'action': 'apps__deploy__uuid-web'})
        self.assertRedirectsNoFollow(res, INDEX)
        msgs = [str(m) for m in res.wsgi_request._messages]
        self.assertEqual(1, len(msgs), msgs)
        self.assertIn('app web is being deleted', msgs[0])

    def test_delete(self):
        self.solum.apps.list.return_value = [helpers.app()]
        res = self.client.post(INDEX, {'action': 'apps__delete__uuid-web'})
        self.assertRedirectsNoFollow(res, INDEX)
        self.solum.apps.delete.assert_called_once_with('uuid-web')

    def test_delete_refused_shows_faultstring(self):
        self.solum.apps.list.return_value = [helpers.app()]
        self.solum.apps.delete.side_effect = solum_exc.Forbidden(
            'policy solum:apps:delete refused', 403)
        res = self.client.post(INDEX, {'action': 'apps__delete__uuid-web'})
        msgs = [str(m) for m in res.wsgi_request._messages]
        self.assertEqual(1, len(msgs), msgs)
        self.assertIn('policy solum:apps:delete refused', msgs[0])


class PolicyTests(helpers.TestCase):

    def test_reader_is_offered_no_write_action(self):
        self.with_policy(['reader'])
        self.solum.apps.list.return_value = [helpers.app()]
        self.solum.apps.releases.return_value = [
            helpers.release(1, 'SUPERSEDED'), helpers.release(2)]
        res = self.client.get(INDEX)
        self.assertEqual(200, res.status_code)
        self.assertContains(res, 'uuid-web')
        for action in ('solum_applications/create/', 'apps__delete',
                       '__deploy', '/scale/', '/rollback/'):
            self.assertNotContains(res, action)
        self.solum.apps.get.return_value = helpers.app()
        res = self.client.get(detail())
        self.assertEqual(200, res.status_code)
        for action in ('__delete', '__deploy', '/scale/', '/rollback/'):
            self.assertNotContains(res, action)

    def test_member_is_offered_them(self):
        self.with_policy(['member', 'reader'])
        self.solum.apps.list.return_value = [helpers.app()]
        self.solum.apps.releases.return_value = [
            helpers.release(1, 'SUPERSEDED'), helpers.release(2)]
        res = self.client.get(INDEX)
        for action in ('solum_applications/create/', 'apps__delete',
                       '__deploy', '/scale/', '/rollback/'):
            self.assertContains(res, action)

    def test_no_role_no_panel(self):
        self.with_policy([])
        res = self.client.get(INDEX)
        self.assertNotEqual(200, res.status_code)


class CreateTests(helpers.TestCase):

    def post(self, **fields):
        data = {'name': 'web', 'git_url': 'https://git.example.com/web.git',
                'languagepack': 'auto'}
        data.update(fields)
        data = {k: v for k, v in data.items() if v is not None}
        return self.client.post(CREATE, data)

    def created(self):
        self.solum.apps.create.assert_called_once()
        return self.solum.apps.create.call_args[0][0]

    def test_form_offers_auto_builtin_and_ready_packs(self):
        self.solum.language_packs.list.return_value = [
            {'name': 'java17', 'status': 'READY'},
            {'name': 'broken', 'status': 'ERROR'}]
        res = self.client.get(CREATE)
        self.assertTemplateUsed(res, 'solum_dashboard/applications/'
                                     'create.html')
        values = [v for v, _label in
                  res.context['form'].fields['languagepack'].choices]
        self.assertEqual(['', 'auto', 'python', 'nodejs', 'dockerfile',
                          'java17'], values)

    def test_create_from_fields(self):
        self.solum.apps.create.return_value = helpers.app()
        res = self.post(revision='v1.2', run_cmd='gunicorn app:app',
                        test_cmd='pytest', ports='8080, 9090',
                        parameters='GREETING=hi\n# c\nX=1 2',
                        languagepack='python')
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX)
        self.assertEqual({
            'version': 1, 'name': 'web', 'languagepack': 'python',
            'source': {'repository': 'https://git.example.com/web.git',
                       'revision': 'v1.2'},
            'workflow_config': {'run_cmd': 'gunicorn app:app',
                                'test_cmd': 'pytest'},
            'ports': [8080, 9090],
            'parameters': {'user_params': {'GREETING': 'hi', 'X': '1 2'}},
        }, self.created())

    def test_ssh_url_with_deploy_key(self):
        self.solum.apps.create.return_value = helpers.app()
        res = self.post(git_url='git@git.example.com:team/web.git',
                        private_ssh_key='-----BEGIN KEY-----\nabc\n')
        self.assertNoFormErrors(res)
        source = self.created()['source']
        self.assertEqual('git@git.example.com:team/web.git',
                         source['repository'])
        self.assertTrue(source['private'])
        self.assertIn('abc', source['private_ssh_key'])

    def test_file_url_and_commit(self):
        self.solum.apps.create.return_value = helpers.app()
        res = self.post(git_url='file:///srv/git/web', revision='3f2a9c1')
        self.assertNoFormErrors(res)
        self.assertEqual({'repository': 'file:///srv/git/web',
                          'revision': '3f2a9c1'}, self.created()['source'])
        self.assertEqual('auto', self.created()['languagepack'])

    def test_bad_fields_are_form_errors(self):
        for fields in ({'git_url': 'ftp://x/y'}, {'name': 'Bad_Name'},
                       {'revision': '-rf'}, {'ports': '80, 70000'},
                       {'parameters': '1BAD=x'},
                       {'private_ssh_key': 'key'},  # on an https URL
                       {'git_url': ''}):
            res = self.post(**fields)
            self.assertFormErrors(res, 1)
        self.solum.apps.create.assert_not_called()

    def test_uploaded_app_file_and_overrides(self):
        self.solum.apps.create.return_value = helpers.app()
        upload = uploadedfile.SimpleUploadedFile(
            'app.yaml', b'version: 1\nname: from-file\nlanguagepack: nodejs'
                        b'\nsource: {repository: "https://h/r.git", '
                        b'revision: main}\nports: [3000]\n')
        res = self.client.post(CREATE, {'app_file': upload,
                                        'revision': 'dev'})
        self.assertNoFormErrors(res)
        document = self.created()
        self.assertEqual(('from-file', 'nodejs', [3000]),
                         (document['name'], document['languagepack'],
                          document['ports']))
        self.assertEqual({'repository': 'https://h/r.git',
                          'revision': 'dev'}, document['source'])

    def test_bad_app_file(self):
        upload = uploadedfile.SimpleUploadedFile('app.yaml', b'- a list\n')
        res = self.client.post(CREATE, {'app_file': upload})
        self.assertFormErrors(res, 1)
        self.assertIn('must hold a mapping',
                      str(res.context['form'].errors['app_file']))

    def test_api_refusal_is_a_message_with_faultstring(self):
        self.solum.apps.create.side_effect = solum_exc.Conflict(
            'an app named web exists already', 409)
        res = self.post()
        self.assertEqual(200, res.status_code)
        msgs = [str(m) for m in res.wsgi_request._messages]
        self.assertTrue(any('an app named web exists already' in m
                            for m in msgs), msgs)


class ScaleRollbackTests(helpers.TestCase):

    def setUp(self):
        super().setUp()
        self.solum.apps.get.return_value = helpers.app()
        self.solum.apps.releases.return_value = [
            helpers.release(1, 'SUPERSEDED'), helpers.release(2, 'FAILED'),
            helpers.release(3, 'SUPERSEDED'), helpers.release(4, replicas=2)]

    def url(self, what):
        return reverse('horizon:project:solum_applications:' + what,
                       args=('uuid-web',))

    def test_scale_takes_the_number(self):
        res = self.client.get(self.url('scale'))
        self.assertEqual(2, res.context['form'].initial['replicas'])
        res = self.client.post(self.url('scale'), {'app_id': 'uuid-web',
                                                   'replicas': '5'})
        self.assertNoFormErrors(res)
        self.solum.apps.scale.assert_called_once_with('uuid-web', 5)

    def test_scale_bounds(self):
        res = self.client.post(self.url('scale'), {'app_id': 'uuid-web',
                                                   'replicas': '0'})
        self.assertFormErrors(res, 1)
        self.solum.apps.scale.assert_not_called()

    def test_scale_refused_shows_faultstring(self):
        self.solum.apps.scale.side_effect = solum_exc.BadRequest(
            'quota instances_per_app exceeded', 400)
        res = self.client.post(self.url('scale'), {'app_id': 'uuid-web',
                                                   'replicas': '9'})
        msgs = [str(m) for m in res.wsgi_request._messages]
        self.assertTrue(any('quota instances_per_app' in m for m in msgs))

    def test_rollback_offers_releases_that_served(self):
        res = self.client.get(self.url('rollback'))
        choices = [v for v, _l in res.context['form'].fields[
            'release'].choices]
        self.assertEqual(['3', '1'], choices)
        self.assertEqual('3', res.context['form'].initial['release'])
        res = self.client.get(self.url('rollback') + '?release=1')
        self.assertEqual('1', res.context['form'].initial['release'])
        res = self.client.post(self.url('rollback'), {'app_id': 'uuid-web',
                                                      'release': '1'})
        self.assertNoFormErrors(res)
        self.solum.apps.rollback.assert_called_once_with('uuid-web', 1)


class DetailTests(helpers.TestCase):

    def setUp(self):
        super().setUp()
        self.solum.apps.get.return_value = helpers.app()
        self.solum.apps.releases.return_value = [
            helpers.release(1, 'SUPERSEDED'), helpers.release(2)]

    def tab(self, name):
        return self.client.get(detail() + '?tab=app_details__' + name)

    def test_overview(self):
        res = self.client.get(detail())
        self.assertTemplateUsed(res, 'horizon/common/_detail.html')
        self.assertContains(res, 'https://git.example.com/web.git')
        self.assertContains(res, 'class="solum-app-url"')
        self.assertContains(res, 'http://127.0.0.1:9777/v1/apps/uuid-web/git')
        for tab in ('overview', 'releases', 'workflows', 'logs', 'replicas'):
            self.assertContains(res, 'app_details__' + tab)

    def test_overview_of_an_app_pushed_to_its_git_remote(self):
        self.solum.apps.get.return_value = helpers.app(source={})
        res = self.client.get(detail())
        self.assertContains(res, 'its git remote (below)')

    def test_releases_tab_rolls_back_to_any_earlier(self):
        res = self.tab('releases')
        self.assertContains(res, 'rollback/?release=1')
        self.assertNotContains(res, 'rollback/?release=2')

    def test_workflows_tab_shows_stages_and_reason(self):
        self.solum.workflows.list.return_value = [
            {'wf_id': 1, 'status': 'DEPLOYMENT_COMPLETE',
             'actions': ['unittest', 'build', 'deploy'], 'reason': None},
            {'wf_id': 2, 'status': 'ERROR',
             'actions': ['unittest', 'build', 'deploy'],
             'reason': 'buildah: no such file Containerfile'}]
        self.solum.workflows.get.return_value = {
            'wf_id': 2, 'status': 'ERROR',
            'actions': ['unittest', 'build', 'deploy'],
            'reason': 'buildah: no such file Containerfile',
            'transitions': [{'from': 'QUEUED', 'to': 'UNIT_TESTING'},
                            {'from': 'UNIT_TESTING_PASSED',
                             'to': 'BUILDING'},
                            {'from': 'BUILDING', 'to': 'ERROR'}]}
        res = self.tab('workflows')
        self.assertContains(res, 'unittest: passed, build: failed, '
                                 'deploy: pending')
        self.assertContains(res, 'buildah: no such file Containerfile')
        self.assertContains(res, 'unittest: passed, build: passed, '
                                 'deploy: passed')

    def test_replicas_tab_shows_router_state(self):
        self.solum.apps.replicas.return_value = [
            {'name': 'web-r2-a', 'state': 'running', 'router_status': 'UP',
             'port': 40001, 'requests': 7, 'release': 'r2'},
            {'name': 'web-r2-b', 'state': 'running',
             'router_status': 'MAINT', 'port': 40002, 'requests': 0,
             'release': 'r2'}]
        res = self.tab('replicas')
        self.assertContains(res, 'web-r2-b')
        self.assertContains(res, 'MAINT')
        [row] = [r for r in res.content.decode().split('<tr')
                 if 'web-r2-a' in r]
        self.assertIn('40001', row)
        self.assertRegex(row, r'>\s*2\s*</td>')

    def test_missing_app_redirects_with_the_message(self):
        self.solum.apps.get.side_effect = solum_exc.NotFound(
            'App nope could not be found', 404)
        res = self.client.get(detail('nope'))
        self.assertRedirectsNoFollow(res, INDEX)

    def test_logs_view_follows_the_newest_workflow(self):
        url = reverse('horizon:project:solum_applications:logs',
                      args=('uuid-web',))
        self.solum.workflows.list.return_value = [
            {'wf_id': 1, 'status': 'BUILDING', 'actions': ['build'],
             'reason': None}]
        self.solum.workflows.logs.return_value = [
            {'id': 7, 'stage': 'build', 'message': 'STEP 1/3',
             'created_at': '2026-12-01T10:00:00'}]
        self.solum.apps.logs.return_value = [
            {'time': 't', 'replica': 'web-1', 'line': 'Booting worker'}]
        body = self.client.get(url).json()
        self.assertTrue(body['running'])
        self.assertEqual(7, body['since'])
        self.assertEqual(['2026-12-01T10:00:00 [build] STEP 1/3'],
                         body['build'])
        self.assertIn('Booting worker', body['app'])
        self.solum.workflows.logs.return_value = []
        self.solum.workflows.list.return_value[0]['status'] = 'BUILT'
        body = self.client.get(url + '?since=7&wf=1').json()
        self.assertFalse(body['running'])
        self.solum.workflows.logs.assert_called_with('uuid-web', 1,
                                                     since='7')
