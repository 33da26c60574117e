from django.urls import reverse

from solum_dashboard.test import helpers
from solumclient import exceptions as solum_exc

INDEX = reverse('horizon:project:solum_languagepacks:index')
CREATE = reverse('horizon:project:solum_languagepacks:create')


def lp(name='java17', status='READY', **fields):
    body = {'id': 'lp-%s' % name, 'name': name, 'status': status,
            'project_id': '1', 'source_uri': 'https://h/%s.git' % name,
            'description': 'Java', 'reason': None, 'image_ref': None}
    body.update(fields)
    return body


class LanguagePackTests(helpers.TestCase):

    def test_list(self):
        self.solum.language_packs.list.return_value = [
            lp(), lp('python', builtin=True, id=None, project_id=None),
            lp('building', 'BUILDING')]
        res = self.client.get(INDEX)
        self.assertEqual(3, len(res.context['table'].data))
        self.assertContains(res, 'languagepacks__delete__lp-java17')
        # Built-in packs are not offered for deletion.
        self.assertNotContains(res, 'languagepacks__delete__python')
        html = [r for r in res.content.decode().split('<tr')
                if 'lp-building' in r][0]
        self.assertIn('ajax-update warning', html.split('>')[0])

    def test_create(self):
        self.solum.language_packs.create.return_value = lp()
        res = self.client.post(CREATE, {'name': 'java17',
                                        'source_uri': 'https://h/j.git',
                                        'description': 'Java'})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX)
        self.solum.language_packs.create.assert_called_once_with(
            'java17', 'https://h/j.git', description='Java')

    def test_create_refused(self):
        self.solum.language_packs.create.side_effect = solum_exc.Conflict(
            'language pack java17 exists', 409)
        res = self.client.post(CREATE, {'name': 'java17',
                                        'source_uri': 'https://h/j.git'})
        msgs = [str(m) for m in res.wsgi_request._messages]
        self.assertTrue(any('language pack java17 exists' in m
                            for m in msgs), msgs)

    def test_delete_in_use_is_the_apis_409_message(self):
        self.solum.language_packs.list.return_value = [lp()]
        self.solum.language_packs.delete.side_effect = solum_exc.Conflict(
            'language pack java17 is used by app web', 409)
        res = self.client.post(INDEX,
                               {'action': 'languagepacks__delete__lp-java17'})
        self.assertRedirectsNoFollow(res, INDEX)
        msgs = [str(m) for m in res.wsgi_request._messages]
        self.assertEqual(1, len(msgs), msgs)
        self.assertIn('is used by app web', msgs[0])

    def test_detail_with_build_log(self):
        self.solum.language_packs.get.return_value = lp(status='ERROR',
                                                        reason='no file')
        self.solum.language_packs.logs.return_value = [
            {'id': 1, 'stage': 'build', 'message': 'fetching source',
             'created_at': '2026-12-01T10:00:00'}]
        url = reverse('horizon:project:solum_languagepacks:detail',
                      args=('lp-java17',))
        res = self.client.get(url)
        self.assertContains(res, 'no file')
        res = self.client.get(url + '?tab=languagepack_details__build_log')
        self.assertContains(res, '[build] fetching source')

    def test_reader_cannot_create_or_delete(self):
        self.with_policy(['reader'])
        self.solum.language_packs.list.return_value = [lp()]
        res = self.client.get(INDEX)
        self.assertEqual(200, res.status_code)
        self.assertNotContains(res, 'solum_languagepacks/create/')
        self.assertNotContains(res, 'languagepacks__delete')
