from oslo_config import cfg

group = cfg.OptGroup('deployer', title='Solum deployer options')

opts = [
    cfg.StrOpt('topic', default='solum-deployer',
               help='RPC topic the deployer listens on.'),
    cfg.StrOpt('driver', default='local',
               help='Deployer driver, loaded from the solum.deployers '
                    'entry points: "local" runs apps with Podman behind '
                    'an HAProxy router on this machine, "heat" runs them '
                    'on an OpenStack cloud with Heat ([heat] options).'),
    cfg.ListOpt('allowed_drivers', default=[],
                help='Other drivers an app may choose with its '
                     'parameters.deployer (for example "heat" next to a '
                     'default "local"); empty: every app uses driver.'),
    cfg.StrOpt('host_label',
               help='Label (solum.host) of the replicas the local driver '
                    'runs: they are this installation\'s, and containers '
                    'of other labels are never touched. Empty: '
                    '"<[DEFAULT] host>-<8 hex digits>", generated once and '
                    'kept in $state_path/deployer-host-label, so that '
                    'several Solums on one machine keep to themselves; an '
                    'installation made before that file existed keeps '
                    '[DEFAULT] host.'),
    cfg.StrOpt('podman', default='podman',
               help='Podman executable of the local driver.'),
    cfg.StrOpt('haproxy', default='haproxy',
               help='HAProxy executable of the local driver\'s router.'),
    cfg.HostAddressOpt('router_host', default='127.0.0.1',
                       help='Address the router listens on.'),
    cfg.PortOpt('router_port', default=8088,
                help='Port the router listens on; apps are served at '
                     'http://<app>.<project>.<apps_domain>:<port>/ and '
                     'http://<router_host>:<port>/apps/<project>/<app>/.'),
    cfg.StrOpt('apps_domain', default='apps.localhost',
               help='DNS suffix of the apps\' host names.'),
    cfg.StrOpt('health_path', default='/',
               help='Default HTTP path polled until a replica is healthy; '
                    'an app overrides it with parameters.health.path.'),
    cfg.IntOpt('health_timeout', default=60, min=1,
               help='Default seconds a new replica has to answer its '
                    'health path; parameters.health.timeout overrides it.'),
    cfg.IntOpt('default_port', default=8080, min=1, max=65535,
               help='Container port used when the app declares no ports.'),
    cfg.StrOpt('memory', default='512m',
               help='Memory limit of each replica (podman --memory).'),
    cfg.FloatOpt('cpus', default=1.0, min=0.01,
                 help='CPU limit of each replica (podman --cpus).'),
    cfg.IntOpt('pids_limit', default=256, min=16,
               help='Process limit of each replica (podman --pids-limit).'),
    cfg.StrOpt('user', default='1000:1000',
               help='Non-root user replicas run as.'),
    cfg.StrOpt('tmpfs_size', default='64m',
               help='Size of the writable /tmp of each replica (the root '
                    'file system is read-only).'),
    cfg.IntOpt('router_threads', default=1, min=1, max=64,
               help='HAProxy threads of the router. One is plenty for a '
                    'single machine\'s apps and leaves the other cores to '
                    'them; raise it on big hosts.'),
    cfg.BoolOpt('router_netns', default=True,
                help='The router reaches each replica inside the '
                     'replica\'s network namespace, at the container '
                     'port (HAProxy "namespace"), rather than through the '
                     'port Podman publishes on loopback: no userspace '
                     'port forwarder on the routed path. Adding a replica '
                     'then reloads the router (seamlessly). Needs HAProxy '
                     'built with network namespace support.'),
    cfg.IntOpt('router_slots', default=16, min=2,
               help='Server slots pre-allocated in each app\'s router '
                    'backend. Replicas reached at their published loopback '
                    'port (router_netns = false) take free slots through '
                    'HAProxy\'s runtime API, without a reload; those '
                    'reached inside their network namespace (the default) '
                    'join with one reload per batch, which the runtime API '
                    'cannot avoid. A backend needing more slots doubles '
                    'them (one reload).'),
    cfg.IntOpt('drain_timeout', default=10, min=0,
               help='Seconds to wait for a drained replica\'s requests to '
                    'finish before it is stopped.'),
    cfg.IntOpt('stop_timeout', default=5, min=0,
               help='Seconds a replica gets between SIGTERM and SIGKILL.'),
    cfg.IntOpt('check_interval', default=5, min=1,
               help='Seconds between self-healing checks (crashed replicas '
                    'replaced).'),
    cfg.BoolOpt('reconcile_on_start', default=True,
                help='On start, make running containers and the router '
                     'match the releases recorded in the database.'),
    cfg.BoolOpt('start_during_tests', default=True,
                help='Start the first replica of a new release while its '
                     'workflow\'s tests run (unrouted: no request reaches '
                     'it before the tests pass), so that the deploy only '
                     'waits for it to answer and moves traffic. The app\'s '
                     'new code then runs before its tests passed; it is '
                     'removed when they fail. Off: replicas start after '
                     'the tests. Never for a release with a release_cmd '
                     '(its migrations run first).'),
    cfg.IntOpt('release_cmd_timeout', default=600, min=1,
               help='Seconds an app\'s release_cmd (run once per release, '
                    'before traffic moves to it) may take; its container '
                    'is then removed and the release fails.'),
    cfg.IntOpt('log_tail', default=20, min=1,
               help='Log lines of a failing replica quoted in the reason '
                    'of a failed deploy.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
