from oslo_config import cfg

group = cfg.OptGroup(
    'heat', title='Heat deployer driver',
    help='How the "heat" deployer driver ([deployer] driver = heat) runs '
         'apps on an OpenStack cloud: one Heat stack per app, acting '
         'through the app\'s Keystone trust.')

opts = [
    cfg.StrOpt('template', default='container_host',
               choices=[('container_host', 'Nova servers from host_image '
                         'that fetch and run the app image (podman or '
                         'docker)'),
                        ('nova_docker', 'Nova servers booted from the '
                         'app\'s Glance image (container_format docker)'),
                        ('zun', 'Zun containers of the app\'s Glance '
                         'image')],
               help='Member template of the app stacks.'),
    cfg.StrOpt('flavor', default='m1.small',
               help='Nova flavor (name or id) of each server.'),
    cfg.StrOpt('host_image', default='solum-container-host',
               help='Glance image (name or id) of the container hosts '
                    '(template = container_host): a cloud image with '
                    'podman or docker, curl and base64.'),
    cfg.StrOpt('network', default='',
               help='Neutron network (name or id) of the servers; empty '
                    'boots them without a network.'),
    cfg.StrOpt('subnet', default='',
               help='Subnet of the load balancer\'s VIP and members '
                    '(needed with enable_lb).'),
    cfg.BoolOpt('enable_lb', default=False,
                help='Put an Octavia load balancer in front of each app; '
                     'its address is the app\'s URL.'),
    cfg.BoolOpt('enable_alarms', default=False,
                help='Create Aodh alarms on the members\' CPU use that '
                     'signal the scaling policies (needs the metric store '
                     'of alarm_backend).'),
    cfg.StrOpt('alarm_backend', default='gnocchi',
               choices=[('gnocchi', 'OS::Aodh::'
                         'GnocchiAggregationByResourcesAlarm on Gnocchi\'s '
                         'cpu metric (rate:mean) of the instances whose '
                         'server_group is the stack'),
                        ('prometheus', 'OS::Aodh::PrometheusAlarm: '
                         'prometheus_cpu_query, through Aodh\'s '
                         'metric-storage endpoint')],
               help='Where the CPU alarms (enable_alarms) read the '
                    'members\' CPU use.'),
    cfg.StrOpt('prometheus_cpu_query',
               default="avg(rate(ceilometer_cpu{server_group='STACK_ID'}"
                       "[WINDOWs])) / 10000000",
               help='PromQL of an app\'s mean CPU use in % of one vCPU '
                    '(alarm_backend = prometheus); the alarms compare it '
                    'with the app\'s target_cpu. Heat replaces STACK_ID '
                    '(the stack\'s id, which each member carries as its '
                    'metering.server_group metadata), STACK_NAME and '
                    'WINDOW (alarm_granularity, in seconds); Aodh adds '
                    'the project\'s label. The default reads Ceilometer\'s '
                    'cumulative cpu (ns) labelled with server_group; '
                    'adapt it to the labels of your telemetry pipeline.'),
    cfg.BoolOpt('wait_for_ready', default=False,
                help='Container hosts signal a wait condition once the '
                     'app answers its health path; the stack completes '
                     'only then. Needs servers that really boot.'),
    cfg.IntOpt('ready_timeout', default=600, min=1,
               help='Seconds a container host has to signal readiness.'),
    cfg.IntOpt('stack_timeout', default=30, min=1,
               help='Minutes Heat gives a stack create or update '
                    '(timeout_mins); the driver waits as long, plus '
                    'a minute.'),
    cfg.FloatOpt('poll_interval', default=1.0, min=0.01,
                 help='First pause (s) between two looks at a stack.'),
    cfg.FloatOpt('poll_max_interval', default=10.0, min=0.01,
                 help='Longest pause (s) between two looks at a stack.'),
    cfg.FloatOpt('poll_backoff', default=1.5, min=1.0,
                 help='Factor the pause grows by after each look.'),
    cfg.IntOpt('probe_timeout', default=120, min=1,
               help='Seconds the app URL has to answer an HTTP probe '
                    'before a deploy completes (load balancer only).'),
    cfg.PortOpt('lb_port', default=80,
                help='Port of the load balancer\'s listener.'),
    cfg.IntOpt('alarm_granularity', default=300, min=1,
               help='Seconds: the granularity of the Gnocchi CPU alarms, '
                    'which must be one of the archive policy\'s (300 in '
                    'Ceilometer\'s ceilometer-low), and the rate window '
                    '(WINDOW) of prometheus_cpu_query, which must hold '
                    'two samples of each member.'),
    cfg.IntOpt('alarm_evaluation_periods', default=1, min=1,
               help='Periods over the threshold before a Gnocchi alarm '
                    'fires (Prometheus alarms compare the query\'s value '
                    'at each evaluation).'),
    cfg.IntOpt('cooldown', default=60, min=0,
               help='Seconds after a scale-up before the next one, when '
                    'the app\'s autoscale policy sets no cooldown (a '
                    'scale-down waits five times as long).'),
    cfg.StrOpt('region_name',
               help='Region of the Heat, Nova and Glance endpoints.'),
    cfg.StrOpt('interface', default='public',
               choices=['public', 'internal', 'admin'],
               help='Endpoint interface in the catalog.'),
]


def stack_wait(conf):
    """Seconds the driver waits for one stack create, update or delete:
    Heat's timeout_mins and a minute for Heat to report the end."""
    return conf.heat.stack_timeout * 60 + 60


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
