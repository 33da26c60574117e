from oslo_config import cfg

group = cfg.OptGroup('quota', title='Per-project quotas',
                     help='Limits applied to every project; -1 means '
                          'unlimited.')

opts = [
    cfg.IntOpt('apps', default=50, min=-1,
               help='Apps one project may have.'),
    cfg.IntOpt('language_packs', default=20, min=-1,
               help='Custom language packs one project may have.'),
    cfg.IntOpt('instances_per_app', default=10, min=-1,
               help='Replicas (instances) one app may be scaled to.'),
    cfg.IntOpt('plans', default=100, min=-1,
               help='Plans one project may have.'),
    cfg.IntOpt('git_repository_mb', default=200, min=-1,
               help='Size one app\'s git repository (served at '
                    '/v1/apps/{app}/git) may reach, in MiB; a push that '
                    'would make it larger is refused.'),
    cfg.IntOpt('deploy_tokens_per_app', default=20, min=-1,
               help='Deploy tokens one app\'s git remote may have.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
