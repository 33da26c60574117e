"""The Heat driver: each app is one Heat stack on the user's cloud.

The stack (``templates/app.yaml``) holds an autoscaling group of members
(container host VMs, nova-docker servers or Zun containers), scaling
policies, optional Aodh alarms and an optional Octavia load balancer whose
address is the app's URL. The driver acts through the app's Keystone trust
(``keystone.trust_session``), so the stack, its servers and its images are
the user's:

* the first deploy creates the stack, later ones update it (a rolling
  update of the same stack: the URL stays);
* every create, update and delete is polled with backoff until a
  deadline; Heat's reason of a failure ends in the workflow (the outcome
  "stack failed": ERROR_STACK_CREATE_FAILED);
* scale updates the group's desired capacity;
* undeploy deletes the stack (and waits until it is gone); the builder's
  Glance store deletes the app's images, and the conductor the trust.
"""

import re
import threading
import time

import requests
from heatclient import exc as heat_exc
from oslo_log import log as logging

from solum import conf
from solum.common import keystone
from solum.conf import heat as heat_conf
from solum.deployer import driver as base
from solum.deployer.heat import clients as heat_clients
from solum.deployer.heat import console
from solum.deployer.heat import templates

CONF = conf.CONF
LOG = logging.getLogger(__name__)

_UUID = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-'
                   r'[0-9a-f]{12}$')
# Stacks in these states never served: the next deploy starts over.
_NEVER_SERVED = ('CREATE_FAILED', 'ROLLBACK_COMPLETE', 'ROLLBACK_FAILED',
                 'DELETE_FAILED')


def _label(value):
    return re.sub(r'[^a-z0-9-]', '-', str(value).lower()).strip('-') or 'x'


def stack_name(app):
    return 'solum-%s-%s' % (_label(app.name)[:40], app.uuid[:8])


def heat_reason(error):
    """Heat's own message of a heatclient error, without the HTTP
    decoration."""
    text = str(error)
    for prefix in ('ERROR: ', 'Error: '):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text.strip()


def outputs(stack):
    return {o['output_key']: o.get('output_value')
            for o in (getattr(stack, 'outputs', None) or [])}


class HeatDriver(base.Driver):
    # run_release_command is the base driver's: not supported (a stack
    # update has no step that runs a command of the new image before it
    # replaces the servers), so a release with a release_cmd fails.

    def __init__(self, session_factory=None, sleep=time.sleep):
        self._session_factory = session_factory or self._session
        self._sleep = sleep
        self._sessions_lock = threading.Lock()
        self._sessions = {}
        self._console = console.ConsoleTimes()

    # -------------------------------------------------------- helpers

    def _session(self, app):
        """The app's trust session, kept per trust: its token is reused
        until it is about to expire (keystoneauth1 renews it)."""
        trust_id = getattr(app, 'trust_id', None)
        if trust_id:
            with self._sessions_lock:
                session = self._sessions.get(trust_id)
                if session is None:
                    session = keystone.trust_session(trust_id)
                    self._sessions[trust_id] = session
            return session
        if CONF.auth_strategy == 'keystone':
            raise base.DeployError(
                'app %s has no Keystone trust: the heat driver cannot act '
                'for its owner' % app.uuid)
        # noauth: the operator's own apps, in the service user's project.
        return keystone.service_session()

    def clients(self, app):
        return heat_clients.Clients(self._session_factory(app))

    def find_stack(self, heat, app):
        try:
            stack = heat.stacks.get(stack_name(app))
        except heat_exc.HTTPNotFound:
            return None
        if stack.stack_status == 'DELETE_COMPLETE':
            return None
        return stack

    def _deadline(self):
        return time.monotonic() + heat_conf.stack_wait(CONF)

    def wait_stack(self, heat, stack_id, action, deadline, since=None,
                   error=base.StackCreateFailed):
        """Poll until the stack's ``action`` is COMPLETE (returns the
        stack) or FAILED (raises ``error`` with Heat's reason), with
        backoff, until ``deadline`` (raises StackTimeout). ``since``: the
        stack's updated_time before an update, which must change."""
        delay = CONF.heat.poll_interval
        while True:
            try:
                stack = heat.stacks.get(stack_id)
            except heat_exc.HTTPNotFound:
                if action == 'DELETE':
                    return None
                raise error('stack %s disappeared during %s' %
                            (stack_id, action))
            status = stack.stack_status
            fresh = since is None or stack.updated_time != since
            if fresh and status == '%s_COMPLETE' % action:
                return stack
            if fresh and status.endswith('_FAILED'):
                raise error('%s: %s' % (status, stack.stack_status_reason))
            if time.monotonic() > deadline:
                raise base.StackTimeout(
                    'stack %s still %s after the deadline (%d min): %s' % (
                        stack.stack_name, status, CONF.heat.stack_timeout,
                        stack.stack_status_reason))
            self._sleep(delay)
            delay = min(delay * CONF.heat.poll_backoff,
                        CONF.heat.poll_max_interval)

    def image_settings(self, clients, release):
        """The app image: its Glance id (checked), and for container hosts
        the URL and token to download it with, or a registry ref."""
        config = release.config or {}
        glance_id = config.get('glance_id')
        if not glance_id and _UUID.match(release.image or ''):
            glance_id = release.image
        if glance_id:
            try:
                image = clients.glance.images.get(glance_id)
            except Exception as e:
                raise base.StackCreateFailed(
                    'the image %s of release %d is not in Glance: %s' % (
                        glance_id, release.number, e))
            if image.get('status') != 'active':
                raise base.StackCreateFailed(
                    'the Glance image %s is %s, not active' % (
                        glance_id, image.get('status')))
            return {'glance_id': glance_id,
                    'image_url': '%s/v2/images/%s/file' % (
                        clients.image_endpoint(), glance_id),
                    'image_token': clients.session.get_token()}
        if CONF.heat.template == 'container_host' and release.image and \
                not release.image.startswith('localhost/'):
            return {'image_ref': release.image}
        raise base.StackCreateFailed(
            'release %d has no Glance image (%s is only in local container '
            'storage): build with [builder] image_store = glance' % (
                release.number, release.image))

    def settings(self, clients, release):
        result = {
            'variant': CONF.heat.template,
            'flavor': CONF.heat.flavor,
            'host_image': CONF.heat.host_image,
            'network': CONF.heat.network,
            'subnet': CONF.heat.subnet,
            'enable_lb': CONF.heat.enable_lb,
            'enable_alarms': CONF.heat.enable_alarms,
            'alarm_backend': CONF.heat.alarm_backend,
            'prometheus_cpu_query': CONF.heat.prometheus_cpu_query,
            'wait_for_ready': CONF.heat.wait_for_ready,
            'ready_timeout': CONF.heat.ready_timeout,
            'alarm_granularity': CONF.heat.alarm_granularity,
            'alarm_evaluation_periods': CONF.heat.alarm_evaluation_periods,
            'lb_port': CONF.heat.lb_port,
            'cooldown': CONF.heat.cooldown,
            'quota': CONF.quota.instances_per_app,
            'health_timeout': CONF.deployer.health_timeout,
            'default_port': CONF.deployer.default_port,
        }
        result.update(self.image_settings(clients, release))
        return result

    def url_of(self, app, stack):
        """The app's URL: the load balancer's, else the stack's own link
        (no address to serve the app on without a load balancer)."""
        url = outputs(stack).get('app_url')
        if url:
            return url
        for link in getattr(stack, 'links', None) or []:
            if link.get('rel') == 'self':
                return link['href']
        return 'heat:///%s' % stack_name(app)

    def probe(self, url):
        deadline = time.monotonic() + CONF.heat.probe_timeout
        delay = CONF.heat.poll_interval
        last = None
        while True:
            try:
                resp = requests.get(url, timeout=5, allow_redirects=False)
                if 200 <= resp.status_code < 400:
                    return
                last = 'HTTP %d' % resp.status_code
            except requests.RequestException as e:
                last = str(e)
            if time.monotonic() > deadline:
                raise base.DeployError('%s did not answer within %d s (%s)'
                                       % (url, CONF.heat.probe_timeout,
                                          last))
            self._sleep(delay)
            delay = min(delay * CONF.heat.poll_backoff,
                        CONF.heat.poll_max_interval)

    # ------------------------------------------------------ operations

    def deploy(self, target, on_serving=None):
        app, release = target.app, target.release
        clients = self.clients(app)
        params = templates.parameters(
            app, release, max(target.replicas, 1),
            self.settings(clients, release))
        template, files, env = templates.stack_files(CONF.heat.template)
        heat = clients.heat
        stack = self.find_stack(heat, app)
        if stack is not None and stack.stack_status in _NEVER_SERVED:
            LOG.info('Stack %s is %s: deleting it to start over',
                     stack.stack_name, stack.stack_status)
            self._delete(heat, stack)
            stack = None
        fields = {'template': template, 'files': files,
                  'environment': env, 'parameters': params,
                  'timeout_mins': CONF.heat.stack_timeout}
        if stack is None:
            stack = self._create(heat, app, fields)
        else:
            stack = self._update(heat, stack, fields)
        url = self.url_of(app, stack)
        if outputs(stack).get('app_url'):
            self.probe(url)
        else:
            LOG.info('App %s: not probing %s, the stack has no load '
                     'balancer ([heat] enable_lb = false)', app.uuid,
                     url)
        if on_serving is not None:
            on_serving()
        return url

    def _create(self, heat, app, fields):
        name = stack_name(app)
        try:
            created = heat.stacks.create(
                stack_name=name, disable_rollback=True,
                tags='solum,solum-app-%s' % app.uuid, **fields)
        except heat_exc.HTTPException as e:
            raise base.StackCreateFailed('Heat refused stack %s: %s' % (
                name, heat_reason(e)))
        return self.wait_stack(heat, created['stack']['id'], 'CREATE',
                               self._deadline())

    def _update(self, heat, stack, fields, existing=False):
        since = stack.updated_time
        try:
            heat.stacks.update(stack.id, existing=existing, **fields)
        except heat_exc.HTTPException as e:
            raise base.StackCreateFailed('Heat refused the update of stack '
                                         '%s: %s' % (stack.stack_name,
                                                     heat_reason(e)))
        return self.wait_stack(heat, stack.id, 'UPDATE', self._deadline(),
                               since=since)

    def _delete(self, heat, stack):
        try:
            heat.stacks.delete(stack.id)
        except heat_exc.HTTPNotFound:
            return
        self.wait_stack(heat, stack.id, 'DELETE', self._deadline(),
                        error=base.DeployError)

    def scale(self, target):
        # Only the group's capacity changes, whichever release is active.
        app = target.app
        heat = self.clients(app).heat
        stack = self.find_stack(heat, app)
        if stack is None:
            raise base.DeployError('app %s has no stack to scale' % app.uuid)
        low, high, desired = templates.scaling_bounds(
            app.parameters, target.replicas, CONF.quota.instances_per_app)
        self._update(heat, stack, {
            'parameters': {'desired_capacity': desired,
                           'min_size': low, 'max_size': high},
            'timeout_mins': CONF.heat.stack_timeout}, existing=True)

    def undeploy(self, app):
        clients = self.clients(app)
        stack = self.find_stack(clients.heat, app)
        if stack is not None:
            self._delete(clients.heat, stack)
            LOG.info('Deleted stack %s of app %s', stack.stack_name,
                     app.uuid)
        with self._sessions_lock:
            self._sessions.pop(getattr(app, 'trust_id', None), None)

    def servers(self, app):
        """(stack, [server ids]) of the app's members."""
        clients = self.clients(app)
        stack = self.find_stack(clients.heat, app)
        if stack is None:
            return clients, None, []
        return clients, stack, [s for s in outputs(stack).get('servers') or
                                [] if s]

    def logs(self, app, since=None, tail=None):
        """Console output of the app's servers (container hosts print the
        app's start-up there), oldest first; each line carries the time
        this deployer first read it, and ``since`` keeps the later ones."""
        clients, _stack, ids = self.servers(app)
        lines = []
        for server_id in ids:
            try:
                server = clients.nova.servers.get(server_id)
                text = server.get_console_output() or ''
            except Exception as e:
                LOG.info('No console output of server %s: %s', server_id, e)
                continue
            lines += [{'replica': server.name, 'time': when, 'line': line}
                      for when, line in self._console.timed(
                          server_id, text.splitlines())]
        if since:
            lines = [x for x in lines if x['time'] > since]
        lines.sort(key=lambda x: x['time'])
        return lines[-tail:] if tail else lines

    def status(self, app):
        clients, stack, ids = self.servers(app)
        if stack is None:
            return []
        result = []
        for server_id in ids:
            row = {'name': server_id, 'id': server_id,
                   'stack': stack.stack_name,
                   'stack_status': stack.stack_status}
            try:
                server = clients.nova.servers.get(server_id)
                row.update(name=server.name, state=server.status,
                           addresses=server.addresses)
            except Exception as e:
                row['state'] = 'UNKNOWN (%s)' % e
            result.append(row)
        return result

    def metrics(self, app):
        """Replicas as the group has them (alarms may have scaled it);
        load is Aodh's business here."""
        _clients, stack, ids = self.servers(app)
        return {'replicas': len(ids) if stack is not None else None,
                'rps': None, 'cpu': None}

