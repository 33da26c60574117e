from solumclient.v1 import base

YAML = 'application/x-yaml'


class PlanManager(base.Manager):
    """/v1/plans: documents in as JSON (a dict) or YAML (text)."""

    def _send(self, method, path, plan):
        if isinstance(plan, str):
            return self.http.request(method, path, data=plan.encode(),
                                     headers={'Content-Type': YAML})
        return self.http.request(method, path, json=plan)

    def create(self, plan):
        return self._send('POST', '/v1/plans', plan).json()

    def list(self):
        return self.http.get('/v1/plans').json()

    def get(self, plan, as_yaml=False):
        path = '/v1/plans/%s' % base.quote(plan)
        if as_yaml:
            return self.http.get(path, headers={'Accept': YAML}).text
        return self.http.get(path).json()

    def update(self, plan_id, plan):
        return self._send('PUT', '/v1/plans/%s' % base.quote(plan_id),
                          plan).json()

    def delete(self, plan):
        self.http.delete('/v1/plans/%s' % base.quote(plan))
