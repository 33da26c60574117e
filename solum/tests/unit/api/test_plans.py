import yaml

from solum.tests.unit.api import base

PATH = '/v1/plans'
PLAN_YAML = """\
version: 1
name: ex-plan
description: an example
artifacts:
- name: web
  artifact_type: heroku
  content:
    href: https://git.example.com/web.git
  language_pack: python
  run_cmd: python app.py
  ports: [8080]
"""


class TestPlans(base.APITestCase):

    def post_yaml(self, text, status=201, accept='application/x-yaml'):
        return self.app.post(PATH, text, headers=self.headers(**{
            'Content-Type': 'application/x-yaml', 'Accept': accept}),
            status=status)

    def test_yaml_in_yaml_out(self):
        resp = self.post_yaml(PLAN_YAML)
        self.assertEqual('application/x-yaml', resp.content_type)
        plan = yaml.safe_load(resp.text)
        self.assertEqual('ex-plan', plan['name'])
        self.assertEqual('web', plan['artifacts'][0]['name'])
        shown = self.app.get('%s/%s' % (PATH, plan['uuid']),
                             headers=self.headers(Accept='application/json'))
        self.assertEqual('application/json', shown.content_type)
        self.assertEqual(plan['artifacts'], shown.json['artifacts'])

    def test_put_replaces_and_delete_removes(self):
        plan = self.post_json(PATH, yaml.safe_load(PLAN_YAML)).json
        changed = dict(yaml.safe_load(PLAN_YAML), description='changed',
                       artifacts=[])
        resp = self.app.put_json('%s/%s' % (PATH, plan['uuid']), changed,
                                 headers=self.headers())
        self.assertEqual('changed', resp.json['description'])
        self.assertEqual([], resp.json['artifacts'])
        self.assertEqual(1, len(self.get(PATH).json))
        self.app.delete('%s/%s' % (PATH, plan['uuid']),
                        headers=self.headers(), status=204)
        self.get('%s/%s' % (PATH, plan['uuid']), status=404)

    def test_validation(self):
        resp = self.post_yaml('version: 2\nname: x\n', status=400)
        self.assertIn('version', resp.json['faultstring'])
        self.post_yaml('version: 1\nname: x\nsecret: y\n', status=400)
        self.post_yaml(': : :\n', status=400)
        bad_href = PLAN_YAML.replace('https://git.example.com/web.git',
                                     'ext::sh')
        resp = self.post_yaml(bad_href, status=400)
        self.assertIn('href', resp.json['faultstring'])

    def test_unacceptable_accept(self):
        resp = self.post_yaml(PLAN_YAML, accept='image/png', status=406)
        self.assertEqual('Client', resp.json['faultcode'])

    def test_tenancy_and_policy(self):
        plan = self.post_json(PATH, yaml.safe_load(PLAN_YAML)).json
        self.get('%s/%s' % (PATH, plan['uuid']), project=base.PROJECT_B,
                 status=404)
        self.post_json(PATH, yaml.safe_load(PLAN_YAML), roles='reader',
                       status=403)
