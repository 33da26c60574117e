from oslo_config import cfg

group = cfg.OptGroup('conductor', title='Solum conductor options')

opts = [
    cfg.StrOpt('topic', default='solum-conductor',
               help='RPC topic the conductor listens on.'),
    cfg.BoolOpt('recover_on_start', default=True,
                help='On start, resume workflows still QUEUED and fail '
                     'those interrupted mid-stage, with a reason.'),
    cfg.IntOpt('stage_timeout', default=1800, min=10,
               help='Seconds a workflow may stay in one stage before the '
                    'conductor fails it as timed out.'),
    cfg.IntOpt('queued_timeout', default=60, min=1,
               help='Seconds after which a workflow still QUEUED is '
                    'started by the conductor\'s periodic check (its start '
                    'message was lost).'),
    cfg.IntOpt('periodic_interval', default=30, min=1,
               help='Seconds between the conductor\'s checks for stuck '
                    'workflows.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
