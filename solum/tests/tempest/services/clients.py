"""REST clients of the Solum API and of the Heat API (to check that a
deleted app leaves no stack)."""

import json
from urllib import parse

import yaml
from tempest.lib.common import rest_client


class SolumClient(rest_client.RestClient):
    """/v1 of Solum. Every method returns (response, body); an error
    status raises tempest.lib.exceptions (NotFound, Forbidden, ...)."""

    def _json(self, method, path, body=None, expected=(200,),
              content_type='application/json', raw=False):
        headers = {'Content-Type': content_type,
                   'Accept': 'application/json'}
        if body is not None and not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        resp, text = self.request(method, path, headers=headers, body=body)
        self.expected_success(list(expected), resp.status)
        if raw or not text:
            return resp, text
        return resp, json.loads(text)

    # apps
    def create_app(self, body, content_type='application/json'):
        if content_type == 'application/x-yaml' and not isinstance(body,
                                                                  str):
            body = yaml.safe_dump(body)
        return self._json('POST', 'v1/apps', body, (201,),
                          content_type=content_type)

    def list_apps(self, **params):
        path = 'v1/apps'
        if params:
            path += '?' + parse.urlencode(params)
        return self._json('GET', path)

    def show_app(self, ident):
        return self._json('GET', 'v1/apps/%s' % ident)

    def update_app(self, ident, body):
        return self._json('PATCH', 'v1/apps/%s' % ident, body)

    def delete_app(self, ident):
        return self._json('DELETE', 'v1/apps/%s' % ident, expected=(202,
                                                                    204))

    def create_workflow(self, app, actions, **extra):
        return self._json('POST', 'v1/apps/%s/workflows' % app,
                          dict(extra, actions=actions), (201,))

    def list_workflows(self, app):
        return self._json('GET', 'v1/apps/%s/workflows' % app)

    def show_workflow(self, app, wf_id):
        return self._json('GET', 'v1/apps/%s/workflows/%s' % (app, wf_id))

    def workflow_logs(self, app, wf_id):
        return self._json('GET', 'v1/apps/%s/workflows/%s/logs' %
                          (app, wf_id))

    def list_releases(self, app):
        return self._json('GET', 'v1/apps/%s/releases' % app)

    def rollback(self, app, release=None):
        body = {} if release is None else {'release': release}
        return self._json('POST', 'v1/apps/%s/rollback' % app, body, (201,))

    def scale(self, app, replicas):
        return self._json('POST', 'v1/apps/%s/scale' % app,
                          {'replicas': replicas}, (202,))

    def replicas(self, app):
        return self._json('GET', 'v1/apps/%s/replicas' % app)

    def app_logs(self, app):
        return self._json('GET', 'v1/apps/%s/logs' % app)

    # language packs
    def create_language_pack(self, body):
        return self._json('POST', 'v1/language_packs', body, (201,))

    def list_language_packs(self):
        return self._json('GET', 'v1/language_packs')

    def show_language_pack(self, ident):
        return self._json('GET', 'v1/language_packs/%s' % ident)

    def delete_language_pack(self, ident):
        return self._json('DELETE', 'v1/language_packs/%s' % ident,
                          expected=(202, 204))

    def language_pack_logs(self, ident):
        return self._json('GET', 'v1/language_packs/%s/logs' % ident)

    # the platform document and what this API adds to upstream v1
    def platform(self):
        return self._json('GET', 'v1')

    def list_extensions(self):
        return self._json('GET', 'v1/extensions')

    def get_path(self, path):
        return self._json('GET', path)

    # git remote
    def git_refs(self, app, service):
        """What `git` first asks of the app's remote (with this client's
        token, which a git credential helper would send)."""
        resp, body = self.request(
            'GET', 'v1/apps/%s/git/info/refs?service=%s' % (app, service),
            headers={'Accept': '*/*'})
        self.expected_success(200, resp.status)
        return resp, body

    def create_deploy_token(self, app, name):
        return self._json('POST', 'v1/apps/%s/deploy_tokens' % app,
                          {'name': name}, (201,))

    def list_deploy_tokens(self, app):
        return self._json('GET', 'v1/apps/%s/deploy_tokens' % app)

    # plans
    def create_plan(self, body):
        return self._json('POST', 'v1/plans', body, (201,))

    def list_plans(self):
        return self._json('GET', 'v1/plans')

    def show_plan(self, ident):
        return self._json('GET', 'v1/plans/%s' % ident)

    def replace_plan(self, ident, body):
        return self._json('PUT', 'v1/plans/%s' % ident, body)

    def delete_plan(self, ident):
        return self._json('DELETE', 'v1/plans/%s' % ident,
                          expected=(202, 204))

    # raw
    def post_raw(self, path, body, content_type):
        resp, text = self.request('POST', path, body=body, headers={
            'Content-Type': content_type, 'Accept': 'application/json'})
        return resp, text

    def unauthenticated(self, method, path):
        """A request without a token, to the endpoint of the catalog."""
        url = '%s/%s' % (self.base_url.rstrip('/'), path.lstrip('/'))
        return self.raw_request(url, method,
                                headers={'Accept': 'application/json'})


class OrchestrationClient(rest_client.RestClient):
    """Just enough of Heat: does a stack of that name exist?"""

    def stack_exists(self, name):
        resp, text = self.get('stacks?' + parse.urlencode({'name': name}))
        return any(s['stack_status'] != 'DELETE_COMPLETE'
                   for s in json.loads(text)['stacks'])
