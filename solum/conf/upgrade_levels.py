from oslo_config import cfg

group = cfg.OptGroup(
    'upgrade_levels', title='RPC version caps for rolling upgrades',
    help='Cap the RPC API version a client sends to each service while '
         'some of them still run the previous release, as Nova and Ironic '
         'do: upgrade every service, then remove the caps.')

opts = [
    cfg.StrOpt('conductor',
               help='Highest RPC API version sent to solum-conductor '
                    '(e.g. 1.1). Unset: the newest this release knows.'),
    cfg.StrOpt('builder',
               help='Highest RPC API version sent to solum-builder.'),
    cfg.StrOpt('deployer',
               help='Highest RPC API version sent to solum-deployer.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
