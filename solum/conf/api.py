from oslo_config import cfg

group = cfg.OptGroup('api', title='Solum API options')

opts = [
    cfg.HostAddressOpt('host', default='127.0.0.1',
                       help='Address the API listens on.'),
    cfg.PortOpt('port', default=9777, help='Port the API listens on.'),
    cfg.IntOpt('workers', default=1, min=1,
               help='API worker processes (solum-api only; solum-all runs '
                    'one). They share the port with SO_REUSEPORT, so more '
                    'workers use more cores.'),
    cfg.IntOpt('threads', default=16, min=1,
               help='Worker threads of the API server; a followed log '
                    'stream holds one for as long as it is open.'),
    cfg.IntOpt('max_body_size', default=65536, min=1024,
               help='Largest request body accepted, in bytes (app files, '
                    'plans). Larger bodies are refused with 413.'),
    cfg.IntOpt('webhook_max_body', default=1048576, min=1024,
               help='Largest webhook delivery accepted on POST '
                    '/v1/apps/{app}/webhook, in bytes (push payloads are '
                    'larger than app files). Larger ones are refused with '
                    '413.'),
    cfg.IntOpt('webhook_delivery_retention', default=30, min=1,
               help='Days a webhook delivery id (and the digest of its '
                    'body) is remembered to refuse a replay.'),
    cfg.IntOpt('max_limit', default=1000, min=1,
               help='Largest number of items one list request returns.'),
    cfg.StrOpt('api_paste_config', default='api-paste.ini',
               help='Paste configuration file, searched for in the config '
                    'directories when not an absolute path.'),
    cfg.StrOpt('public_endpoint',
               help='Base URL put into resource links (uri). Defaults to '
                    'the URL the request came to.'),
    cfg.FloatOpt('log_follow_interval', default=0.5, min=0.05,
                 help='Seconds between polls of the log store while a '
                      'followed log stream waits for new lines.'),
    cfg.IntOpt('log_follow_timeout', default=3600, min=1,
               help='Longest a followed log stream stays open, in seconds.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
