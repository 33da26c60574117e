"""The Solum client: a keystoneauth1 Adapter plus one manager per
resource."""

from keystoneauth1 import adapter
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import noauth
from keystoneauth1 import session as ks_session

from solumclient import exceptions
from solumclient.v1 import apps
from solumclient.v1 import language_packs
from solumclient.v1 import plans
from solumclient.v1 import workflows

SERVICE_TYPE = 'application_deployment'


class HTTPClient:
    """Sends requests, turns error responses into typed exceptions."""

    def __init__(self, adapter_):
        self.adapter = adapter_

    def request(self, method, path, **kwargs):
        kwargs.setdefault('raise_exc', False)
        headers = kwargs.setdefault('headers', {})
        headers.setdefault('Accept', 'application/json')
        try:
            response = self.adapter.request(path, method, **kwargs)
        except (ks_exc.ConnectFailure, ks_exc.ConnectTimeout) as e:
            raise exceptions.ConnectionFailed(
                'Cannot reach the Solum API at %s: %s. Is it running, and '
                'is the endpoint right?' % (self.endpoint, e)) from e
        except ks_exc.EndpointNotFound as e:
            raise exceptions.ConnectionFailed(
                'No Solum endpoint (service type %s) in the catalog; give '
                'one with --os-endpoint.' % SERVICE_TYPE) from e
        except ks_exc.MissingAuthPlugin as e:
            raise exceptions.Unauthorized(
                'No credentials: give --os-cloud or OS_* variables, or '
                '--os-auth-type none --os-endpoint URL for an all-in-one.'
            ) from e
        except ks_exc.http.Unauthorized as e:
            raise exceptions.Unauthorized(
                'Keystone refused the credentials: %s' % e) from e
        if response.status_code >= 400:
            raise exceptions.from_response(response, method, path)
        return response

    @property
    def uses_keystone(self):
        """Whether requests carry a Keystone token (not so with no auth
        plugin, or with `--os-auth-type none`)."""
        auth = self.adapter.auth or self.adapter.session.auth
        return auth is not None and not isinstance(auth, noauth.NoAuth)

    @property
    def endpoint(self):
        return self.adapter.endpoint_override or '(from the catalog)'

    def get(self, path, **kwargs):
        return self.request('GET', path, **kwargs)

    def post(self, path, **kwargs):
        return self.request('POST', path, **kwargs)

    def put(self, path, **kwargs):
        return self.request('PUT', path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request('PATCH', path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request('DELETE', path, **kwargs)


class Client:
    """Solum API v1.

    ``session`` is a keystoneauth1 session (Keystone); without one, or
    with ``endpoint`` given, requests go to that endpoint (the all-in-one
    with noauth).
    """

    def __init__(self, session=None, endpoint=None, interface='public',
                 region_name=None, timeout=None, project_id=None):
        if session is None:
            session = ks_session.Session(timeout=timeout)
        headers = {'X-Project-Id': project_id} if project_id else None
        self.http = HTTPClient(adapter.Adapter(
            session, service_type=SERVICE_TYPE, interface=interface,
            region_name=region_name, endpoint_override=endpoint,
            additional_headers=headers))
        self.apps = apps.AppManager(self.http)
        self.workflows = workflows.WorkflowManager(self.http)
        self.language_packs = language_packs.LanguagePackManager(self.http)
        self.plans = plans.PlanManager(self.http)
