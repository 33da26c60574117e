from oslo_config import cfg

group = cfg.OptGroup('coordination', title='Coordination between processes',
                     help='Where per-app locks are held, so that two '
                          'deployers (or conductors) never act on one app '
                          'at once, on one host or several.')

opts = [
    cfg.StrOpt('backend_url', secret=True,
               help='A tooz backend URL, e.g. redis://127.0.0.1:6379, '
                    'etcd3+http://127.0.0.1:2379, '
                    'mysql://user:password@host/db or '
                    'postgresql://user:password@host/db. Unset: the '
                    '[database] connection when that is MySQL or '
                    'PostgreSQL (locks held on the database server, for '
                    'every host using it), else file locks under '
                    '$state_path/locks (one host).'),
    cfg.IntOpt('lock_timeout', default=1800, min=1,
               help='Seconds an operation on an app waits for the app\'s '
                    'lock before it fails.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
