from solumclient.v1 import base


class LanguagePackManager(base.Manager):
    """/v1/language_packs"""

    def create(self, name, source_uri, description=None, lp_metadata=None,
               lp_params=None):
        body = {'name': name, 'source_uri': source_uri}
        for key, value in (('description', description),
                           ('lp_metadata', lp_metadata),
                           ('lp_params', lp_params)):
            if value is not None:
                body[key] = value
        return self.http.post('/v1/language_packs', json=body).json()

    def list(self):
        return self.http.get('/v1/language_packs').json()

    def get(self, lp):
        return self.http.get('/v1/language_packs/%s' % base.quote(lp)).json()

    def delete(self, lp):
        self.http.delete('/v1/language_packs/%s' % base.quote(lp))

    def logs(self, lp):
        return self.http.get('/v1/language_packs/%s/logs' %
                             base.quote(lp)).json()

    def follow_logs(self, lp):
        return self._follow('/v1/language_packs/%s/logs' % base.quote(lp))
