from oslo_config import cfg

group = cfg.OptGroup('git', title='The git remote of every app',
                     help='Each app has a git remote at /v1/apps/{app}/git '
                          '(smart HTTP, served by git http-backend); a push '
                          'to its tracked branch deploys.')

opts = [
    cfg.BoolOpt('enabled', default=True,
                help='Serve a git remote for every app.'),
    cfg.IntOpt('push_follow_timeout', default=1800, min=10,
               help='Seconds a git push waits for the workflow it started, '
                    'streaming its progress; after that the push ends and '
                    'the workflow goes on.'),
    cfg.FloatOpt('push_follow_interval', default=0.2, min=0.05,
                 help='Seconds between two looks at the workflow a push '
                      'follows.'),
    cfg.IntOpt('backend_timeout', default=3600, min=10,
               help='Seconds one git http-backend request may take in all '
                    '(the push of a large repository included).'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
