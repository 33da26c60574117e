from solumclient.v1 import base


class AppManager(base.Manager):
    """/v1/apps"""

    def create(self, app_file):
        """``app_file``: the app file as a dict (version, name, ...)."""
        return self.http.post('/v1/apps', json=app_file).json()

    def list(self, all_projects=False):
        params = {'all_projects': 'true'} if all_projects else None
        return self.http.get('/v1/apps', params=params).json()

    def get(self, app):
        return self.http.get('/v1/apps/%s' % base.quote(app)).json()

    def update(self, app, **fields):
        """Change fields; ``source`` and ``workflow_config`` merge."""
        return self.http.patch('/v1/apps/%s' % base.quote(app),
                               json=fields).json()

    def delete(self, app):
        self.http.delete('/v1/apps/%s' % base.quote(app))

    def rotate_webhook_secret(self, app):
        """Create (or replace) the secret that signs the app's webhook
        deliveries; the answer has the secret (shown this once) and the
        webhook URL."""
        return self.http.post('/v1/apps/%s/webhook/secret' %
                              base.quote(app), json={}).json()

    def scale(self, app, replicas):
        """Run ``replicas`` replicas of the active release."""
        return self.http.post('/v1/apps/%s/scale' % base.quote(app),
                              json={'replicas': replicas}).json()

    def replicas(self, app):
        """What runs of the app, as its deployer driver sees it: one dict
        per replica (name, state, ...)."""
        return self.http.get('/v1/apps/%s/replicas' % base.quote(app)).json()

    def rollback(self, app, release=None):
        """Redeploy an earlier release (default: the one before the
        active one); returns the workflow doing it."""
        body = {'release': release} if release is not None else {}
        return self.http.post('/v1/apps/%s/rollback' % base.quote(app),
                              json=body).json()

    def releases(self, app):
        return self.http.get('/v1/apps/%s/releases' % base.quote(app)).json()

    def logs(self, app, tail=None, since=None):
        """The app's own output (every replica's stdout and stderr)."""
        params = {k: v for k, v in (('tail', tail), ('since', since))
                  if v is not None}
        return self.http.get('/v1/apps/%s/logs' % base.quote(app),
                             params=params or None).json()

    def follow_logs(self, app, tail=None):
        params = {'tail': tail} if tail is not None else {}
        return self._follow('/v1/apps/%s/logs' % base.quote(app), **params)

    def create_deploy_token(self, app, name=None):
        """A new token for pushing to the app's git remote (HTTP Basic,
        username ``deploy-token``); the answer has the secret, shown this
        once."""
        body = {'name': name} if name else {}
        return self.http.post('/v1/apps/%s/deploy_tokens' % base.quote(app),
                              json=body).json()

    def list_deploy_tokens(self, app):
        """The app's deploy tokens, without their secrets."""
        return self.http.get('/v1/apps/%s/deploy_tokens' %
                             base.quote(app)).json()

    def delete_deploy_token(self, app, token_id):
        self.http.delete('/v1/apps/%s/deploy_tokens/%s' % (
            base.quote(app), base.quote(token_id)))
