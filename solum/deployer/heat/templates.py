"""The HOT templates of the Heat driver and the parameters of an app's
stack.

``app.yaml`` is the stack: an ``OS::Heat::AutoScalingGroup`` of
``Solum::Member``, scaling policies, optional Aodh alarms and an optional
Octavia load balancer. The environment maps ``Solum::Member`` to one of the
member templates (the variant):

* ``container_host``: a Nova server from the operator's image that fetches
  and runs the app image (user_data), with an optional wait condition;
* ``nova_docker``: a Nova server booted from the app's Glance image;
* ``zun``: an ``OS::Zun::Container``.
"""

import base64
import os

TEMPLATE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            'templates')
MAIN = 'app.yaml'
VARIANTS = ('container_host', 'nova_docker', 'zun')
MEMBER_TYPE = 'Solum::Member'

# CPU thresholds (in % of one vCPU) used when the app sets no target_cpu.
DEFAULT_CPU_HIGH = 80
DEFAULT_CPU_LOW = 20
ALARM_BACKENDS = ('gnocchi', 'prometheus')
# The members' mean CPU use in % of one vCPU, from Ceilometer's cumulative
# ``cpu`` (ns) as a Prometheus pipeline names it (``ceilometer_cpu``),
# selected by the members' metering.server_group. Heat puts in STACK_ID,
# STACK_NAME and WINDOW (alarm_granularity, s); Aodh adds the project.
# Same text as app.yaml's default and [heat] prometheus_cpu_query's.
DEFAULT_PROMETHEUS_CPU_QUERY = (
    "avg(rate(ceilometer_cpu{server_group='STACK_ID'}[WINDOWs]))"
    " / 10000000")


def read(name):
    with open(os.path.join(TEMPLATE_DIR, name)) as f:
        return f.read()


def shipped():
    """File names of every shipped template."""
    return sorted(n for n in os.listdir(TEMPLATE_DIR) if n.endswith('.yaml'))


def member_file(variant):
    if variant not in VARIANTS:
        raise ValueError('unknown Heat template variant %r (one of %s)' %
                         (variant, ', '.join(VARIANTS)))
    return '%s.yaml' % variant


def stack_files(variant):
    """(template, files, environment) for heatclient's stacks.create,
    stacks.update and stacks.validate."""
    member = member_file(variant)
    return (read(MAIN), {member: read(member)},
            {'resource_registry': {MEMBER_TYPE: member}})


def b64(value):
    """``value`` base64-encoded, as the container host's user_data takes
    every value of the app: letters, digits, ``+/=`` only, which no shell
    quoting can get wrong."""
    return base64.b64encode(str(value).encode()).decode('ascii')


def env_words(env):
    """The environment for a container host: space-separated words, each
    the base64 of one KEY=VALUE (values may hold newlines: each becomes one
    ``-e`` argument, not a line of an env file)."""
    words = []
    for key in sorted(env):
        key, value = str(key), str(env[key])
        if not key or '=' in key or '\0' in key + value:
            raise ValueError('environment variable %r: a name must be '
                             'non-empty without "=", and no NUL anywhere'
                             % key)
        words.append(b64('%s=%s' % (key, value)))
    return ' '.join(words)


def cpu_threshold(percent, granularity):
    """Aodh's threshold on Gnocchi's ``cpu`` metric (``rate:mean``: ns of
    CPU time per granularity) for a mean use of ``percent`` of a vCPU."""
    return int(float(percent) / 100.0 * granularity * 1e9)


def scaling_bounds(parameters, replicas, quota=-1):
    """(min_size, max_size, desired) of the group from the app's
    ``parameters.autoscale`` (the local driver's settings) and the
    release's replicas."""
    policy = (parameters or {}).get('autoscale') or {}
    replicas = max(int(replicas), 0)
    low = int(policy.get('min') or 0) if policy else 0
    high = int(policy.get('max') or 0) if policy else 0
    low = min(low, replicas) if low else min(1, replicas)
    high = max(high, replicas, low, 1)
    if quota is not None and quota >= 0:
        high = max(min(high, quota), replicas)
    return low, high, replicas


def parameters(app, release, replicas, settings):
    """Parameters of the app's stack.

    ``settings`` is a dict of the operator's choices: variant, flavor,
    host_image, network, subnet, enable_lb, enable_alarms, alarm_backend,
    prometheus_cpu_query, wait_for_ready, ready_timeout,
    alarm_granularity, alarm_evaluation_periods, lb_port, cooldown, quota,
    health_timeout, and the app image: glance_id, image_url, image_token,
    image_ref.
    """
    config = release.config or {}
    app_params = app.parameters or {}
    policy = app_params.get('autoscale') or {}
    health = config.get('health') or {}
    env = {str(k): str(v) for k, v in (config.get('env') or {}).items()}
    env.setdefault('SOLUM_APP', app.name)
    env['SOLUM_RELEASE'] = str(release.number)
    port = int(config.get('port') or settings.get('default_port') or 8080)
    low, high, desired = scaling_bounds(app_params, replicas,
                                        settings.get('quota', -1))
    granularity = int(settings.get('alarm_granularity') or 300)
    backend = settings.get('alarm_backend') or 'gnocchi'
    if backend not in ALARM_BACKENDS:
        raise ValueError('unknown alarm backend %r (one of %s)' %
                         (backend, ', '.join(ALARM_BACKENDS)))
    cpu_high = float(policy.get('target_cpu') or DEFAULT_CPU_HIGH)
    cpu_low = min(cpu_high / 4.0, DEFAULT_CPU_LOW)
    # 0 is a cooldown too (no pause), not "unset"
    cooldown = next((int(c) for c in (policy.get('cooldown'),
                                      settings.get('cooldown'))
                     if c is not None and c != ''), 60)
    run_cmd = config.get('run_cmd') or ''
    health_path = health.get('path') or '/'
    variant = settings.get('variant', 'container_host')
    if variant == 'container_host':
        image = settings.get('host_image') or ''
    else:
        image = settings.get('glance_id') or ''
    return {
        'app_name': app.name,
        'image': image,
        'flavor': settings['flavor'],
        'network': settings.get('network') or '',
        'subnet': settings.get('subnet') or '',
        'app_image_url_b64': b64(settings.get('image_url') or ''),
        'app_image_token_b64': b64(settings.get('image_token') or ''),
        'app_image_ref_b64': b64(settings.get('image_ref') or ''),
        'port': port,
        'env': env,
        'env_b64': env_words(env),
        'run_cmd': run_cmd,
        'run_cmd_b64': b64(run_cmd),
        'health_path': health_path,
        'health_path_b64': b64(health_path),
        'health_timeout': int(health.get('timeout') or
                              settings.get('health_timeout') or 60),
        'desired_capacity': desired,
        'min_size': low,
        'max_size': high,
        'scale_up_cooldown': cooldown,
        'scale_down_cooldown': max(cooldown, 5 * cooldown),
        'cpu_high_threshold': cpu_threshold(cpu_high, granularity),
        'cpu_low_threshold': cpu_threshold(cpu_low, granularity),
        'cpu_high_percent': cpu_high,
        'cpu_low_percent': cpu_low,
        'alarm_granularity': granularity,
        'alarm_evaluation_periods': int(
            settings.get('alarm_evaluation_periods') or 1),
        'alarm_backend': backend,
        'prometheus_cpu_query': (settings.get('prometheus_cpu_query') or
                                 DEFAULT_PROMETHEUS_CPU_QUERY),
        'lb_port': int(settings.get('lb_port') or 80),
        'enable_lb': bool(settings.get('enable_lb')),
        'enable_alarms': bool(settings.get('enable_alarms')),
        'wait_for_ready': bool(settings.get('wait_for_ready')),
        'ready_timeout': int(settings.get('ready_timeout') or 600),
    }
