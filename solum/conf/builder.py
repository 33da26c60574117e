from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

group = cfg.OptGroup('builder', title='Solum builder options')
glance_group = cfg.OptGroup(
    'glance', title='Glance image store',
    help='How the "glance" image store reaches Glance: a keystoneauth1 '
         'session and auth plugin (auth_type, auth_url, username, ...).')

opts = [
    cfg.StrOpt('topic', default='solum-builder',
               help='RPC topic the builder listens on.'),
    cfg.StrOpt('image_store', default='local',
               help='Where built images are kept: the name of a driver in '
                    'the solum.image_stores entry point namespace. '
                    '"local" keeps them in the local container storage '
                    '(Podman/buildah), "glance" uploads them to Glance '
                    '(container_format=docker), "registry" pushes them '
                    'with skopeo to [builder] registry_url.'),
    cfg.StrOpt('base_image_python', default='',
               help='Base image of the python language pack, pulled from '
                    'its registry when missing (for example '
                    'registry.example.com/solum/base-python:bookworm). '
                    'Empty: localhost/solum/base-python:bookworm, '
                    'bootstrapped once with mmdebstrap.'),
    cfg.StrOpt('base_image_nodejs', default='',
               help='Base image of the nodejs language pack, as '
                    'base_image_python.'),
    # Source fetch.
    cfg.ListOpt('git_allowed_protocols', default=['https', 'ssh', 'file'],
                help='git transports the builder may use to fetch a '
                     'repository (git protocol.<name>.allow). Every other '
                     'transport, ext:: and fd:: included, is refused. '
                     '"file" covers file:// URLs and local paths.'),
    cfg.BoolOpt('allow_local_repositories', default=True,
                help='Accept file:// URLs and local paths as app '
                     'repositories (the all-in-one and the tests use them). '
                     'Turn off on a builder shared by projects that should '
                     'not read the builder host\'s files. Paths under '
                     '$state_path/builds are always refused.'),
    cfg.IntOpt('fetch_timeout', default=300, min=1,
               help='Seconds a git fetch of an app\'s source may take.'),
    cfg.IntOpt('max_source_size_mb', default=512, min=1,
               help='Largest checkout (working tree and .git) a fetch may '
                    'produce, in MiB; a bigger fetch is stopped.'),
    # Build.
    cfg.IntOpt('build_timeout', default=600, min=1,
               help='Seconds an image build may take.'),
    cfg.StrOpt('build_memory', default='2g',
               help='Memory limit of a build (no swap beyond it). With '
                    'chroot isolation the builder runs buildah in a cgroup '
                    'of its own with this limit (build_cgroups); with oci '
                    'it is also passed to buildah --memory.'),
    cfg.IntOpt('build_cpu_shares', default=512, min=2,
               help='Relative CPU weight of builds (cpu.shares of the '
                    'build cgroup, cpu.weight on cgroup v2; buildah '
                    '--cpu-shares too).'),
    cfg.FloatOpt('build_cpus', default=0, min=0,
                 help='CPU quota of a build in CPUs (cpu.cfs_quota_us, '
                      'cpu.max on cgroup v2); 0 for no quota.'),
    cfg.IntOpt('build_pids_limit', default=1024, min=16,
               help='pids.max of the build cgroup: processes and threads '
                    'buildah and every RUN step may have at once.'),
    cfg.BoolOpt('build_cgroups', default=True,
                help='Run each build in a cgroup of its own, created under '
                     'the builder\'s cgroup, with build_memory, '
                     'build_cpu_shares, build_cpus and build_pids_limit; '
                     'everything left in it is killed when the build ends. '
                     'Without a writable cgroupfs (not root, not mounted) '
                     'builds run without it and the builder logs why.'),
    cfg.StrOpt('build_network', default='auto',
               choices=[
                   ('auto', 'a network namespace of its own per build '
                            'where the builder can make one, else the '
                            'host\'s network (the reason is logged)'),
                   ('private', 'a network namespace of its own per build, '
                               'or the build fails'),
                   ('host', 'the builder host\'s network namespace')],
               help='Network of the build steps (RUN). "private" and '
                    '"auto" run buildah in a new network namespace whose '
                    'only way out is slirp4netns with '
                    '--disable-host-loopback: outbound connections (pip, '
                    'npm, git through the host\'s proxy or routes) work, '
                    'DNS through 10.0.2.3, and nothing listening on the '
                    'host\'s loopback (message broker, databases, the '
                    'Solum API, the router, published container ports) '
                    'is reachable. No host firewall rule or sysctl is '
                    'changed. Needs root, unshare, nsenter, slirp4netns '
                    'and /dev/net/tun. The host\'s other addresses and the '
                    'metadata service are refused too: see '
                    'build_network_deny. With "host" every build step can '
                    'reach the host\'s loopback services.'),
    cfg.ListOpt('build_network_deny', default=['host', '169.254.0.0/16'],
                help='Destinations a build step may not connect to in its '
                     'own network namespace (build_network "auto" or '
                     '"private"), besides the host\'s loopback: "host" '
                     'for every non-loopback address of the builder host '
                     '(services bound to 0.0.0.0), and IPv4/IPv6 '
                     'networks. The default also refuses link-local '
                     '169.254.0.0/16, where a cloud\'s metadata service '
                     'hands out the builder host\'s user_data. Applied '
                     'with an nftables table inside the namespace (needs '
                     'nft; the host\'s ruleset is untouched); without '
                     'nft, "auto" builds go on with a warning in the '
                     'build log and "private" builds fail. Add your '
                     'private networks to keep builds off them; empty to '
                     'refuse nothing more.'),
    cfg.IntOpt('build_nproc', default=1024, min=16,
               help='Process limit of a build (RLIMIT_NPROC through '
                    'buildah --ulimit nproc=N:N; works with chroot '
                    'isolation).'),
    cfg.StrOpt('isolation', default='chroot', choices=['chroot', 'oci'],
               help='buildah --isolation for builds. chroot needs no '
                    'daemon, nested namespaces or cgroups; buildah then '
                    'creates no cgroup, so build_memory and '
                    'build_cpu_shares do not apply (build_nproc and '
                    'build_timeout do). oci runs each build step with runc '
                    'in its own cgroup (memory and CPU limits apply). Both '
                    'run the steps in buildah\'s network namespace: see '
                    'build_network.'),
    cfg.StrOpt('ca_bundle', default='/etc/ssl/certs/ca-certificates.crt',
               help='Host CA bundle mounted read-only at build time (not '
                    'stored in the image) for pip and npm to trust an '
                    'HTTPS proxy. Empty to mount none.'),
    cfg.ListOpt('passthrough_env',
                default=['PIP_INDEX_URL', 'PIP_EXTRA_INDEX_URL',
                         'PIP_TRUSTED_HOST', 'PIP_DEFAULT_TIMEOUT',
                         'PIP_RETRIES', 'PIP_DISABLE_PIP_VERSION_CHECK',
                         'NPM_CONFIG_REGISTRY', 'npm_config_registry'],
                help='Environment variables of the builder host passed to '
                     'dependency installs as a build secret (not recorded '
                     'in the image or its history). Proxy variables pass '
                     'through buildah by themselves. PIP_FIND_LINKS and '
                     'PIP_CERT are never passed: they name host paths.'),
    # Unit-test stage.
    cfg.IntOpt('test_timeout', default=600, min=1,
               help='Seconds test_cmd may run.'),
    cfg.StrOpt('test_memory', default='1g',
               help='Memory limit of the test container (podman '
                    '--memory).'),
    cfg.IntOpt('test_pids_limit', default=512, min=16,
               help='Process limit of the test container (podman '
                    '--pids-limit).'),
    cfg.StrOpt('test_cpus', default='1',
               help='CPUs of the test container (podman --cpus).'),
    cfg.StrOpt('test_network', default='none',
               help='Network of the test container (podman --network); '
                    '"none" keeps tests off the network.'),
    # Image stores.
    cfg.StrOpt('registry_url', default='',
               help='Registry the "registry" image store pushes to, as '
                    'host[:port]/path (no scheme).'),
    cfg.BoolOpt('registry_tls_verify', default=True,
                help='Verify the registry\'s TLS certificate.'),
    cfg.StrOpt('registry_authfile', default='',
               help='Credentials file for the registry (skopeo '
                    '--authfile, the containers auth.json format).'),
    cfg.StrOpt('export_dir', default='', deprecated_for_removal=True,
               deprecated_reason='The glance image store streams the '
                                 'export into the upload; nothing is '
                                 'written to disk.',
               help='Unused.'),
]

glance_opts = [
    cfg.StrOpt('region_name', help='Region of the Glance endpoint.'),
    cfg.StrOpt('interface', default='public',
               choices=['public', 'internal', 'admin'],
               help='Endpoint interface of Glance in the catalog.'),
    cfg.StrOpt('endpoint_override',
               help='Glance URL, instead of the one in the catalog.'),
    cfg.StrOpt('visibility', default='private',
               choices=['private', 'shared', 'community'],
               help='Visibility of the images the builder uploads.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)
    conf.register_group(glance_group)
    conf.register_opts(glance_opts, group=glance_group)
    ks_loading.register_session_conf_options(conf, glance_group.name)
    ks_loading.register_auth_conf_options(conf, glance_group.name)


def list_opts():
    return {group: opts,
            glance_group: (glance_opts +
                           ks_loading.get_session_conf_options() +
                           ks_loading.get_auth_common_conf_options() +
                           ks_loading.get_auth_plugin_conf_options(
                               'password'))}
