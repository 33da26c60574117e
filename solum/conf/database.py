from oslo_config import cfg
from oslo_db import options as db_options

_DEFAULT_CONNECTION = 'sqlite:///$state_path/solum.sqlite'

opts = [
    cfg.StrOpt('state_path', default='/var/lib/solum',
               help='Directory where Solum keeps its state (SQLite '
                    'database, build workspaces, logs).'),
]


def register_opts(conf):
    conf.register_opts(opts)
    db_options.set_defaults(conf, connection=_DEFAULT_CONNECTION)


def list_opts():
    return {'DEFAULT': opts}
