from solum.tests.unit.api import base

PATH = '/v1/language_packs'


class TestLanguagePacks(base.APITestCase):

    def create(self, name='java17', status=201, roles=None, **body):
        body.setdefault('source_uri', 'https://git.example.com/lp.git')
        body['name'] = name
        return self.post_json(PATH, body, status=status, roles=roles).json

    def test_create_show_list(self):
        lp = self.create(description='Java 17', lp_metadata={'os': 'debian'})
        self.assertEqual('java17', lp['name'])
        self.assertEqual({'os': 'debian'}, lp['lp_metadata'])
        self.assertEqual(lp['id'], self.get('%s/java17' % PATH).json['id'])
        self.assertEqual(lp['id'],
                         self.get('%s/%s' % (PATH, lp['id'])).json['id'])
        # The list holds the built-in packs too, marked as such.
        self.assertEqual([lp['id']], [x['id'] for x in self.get(PATH).json
                                      if not x['builtin']])

    def test_build_status_and_logs(self):
        lp = self.create()
        for _ in range(250):
            shown = self.get('%s/%s' % (PATH, lp['id'])).json
            if shown['status'] not in ('QUEUED', 'BUILDING'):
                break
            import time
            time.sleep(0.02)
        self.assertEqual('ERROR', shown['status'])
        self.assertIn('the https transport is not allowed', shown['reason'])
        logs = self.get('%s/%s/logs' % (PATH, lp['id'])).json
        self.assertIn('building language pack java17', logs[0]['message'])
        self.assertIn('transport is not allowed', logs[-1]['message'])

    def test_builtin_names_are_reserved(self):
        resp = self.create(name='python', status=409)
        self.assertIn('built-in', resp['faultstring'])

    def test_validation(self):
        self.create(name='Bad Name', status=400)
        resp = self.create(source_uri='ext::sh -c id', status=400)
        self.assertIn('source_uri', resp['faultstring'])
        self.create(password='x', status=400)

    def test_duplicate_is_409(self):
        self.create()
        self.create(status=409)

    def test_delete_refused_while_used(self):
        lp = self.create()
        self.create_app(body={'languagepack': 'java17'})
        resp = self.delete('%s/%s' % (PATH, lp['id']), status=409)
        self.assertIn('hello', resp.json['faultstring'])
        self.delete('/v1/apps/hello')
        for _ in range(250):
            if not self.get('/v1/apps').json:
                break
            import time
            time.sleep(0.02)
        self.delete('%s/%s' % (PATH, lp['id']), status=204)
        self.get('%s/%s' % (PATH, lp['id']), status=404)

    def test_quota(self):
        self.conf.config(language_packs=1, group='quota')
        self.create()
        resp = self.create(name='other', status=403)
        self.assertIn('language_packs limit of 1', resp['faultstring'])

    def test_policy_and_tenancy(self):
        lp = self.create()
        self.create(name='r', roles='reader', status=403)
        self.get('%s/%s' % (PATH, lp['id']), project=base.PROJECT_B,
                 status=404)
        self.delete('%s/%s' % (PATH, lp['id']), roles='reader', status=403)
