from oslo_config import cfg

opts = [
    cfg.StrOpt('auth_strategy',
               default='keystone',
               choices=[('keystone', 'Validate Keystone tokens with '
                                     'keystonemiddleware auth_token.'),
                        ('noauth', 'No authentication: every request acts '
                                   'as an admin of the project named in '
                                   'X-Project-Id (or "solum"). Only for the '
                                   'single-machine all-in-one; the API then '
                                   'refuses to listen on anything but '
                                   'loopback.')],
               help='How API requests are authenticated.'),
    cfg.StrOpt('host',
               default='localhost',
               sample_default='<hostname>',
               help='Name of this node, used as the RPC server name.'),
    cfg.StrOpt('rpc_transport',
               default='messaging',
               choices=[('messaging', 'Use oslo.messaging transport_url '
                                      '(RabbitMQ) between processes.'),
                        ('local', 'In-process bus; only valid when every '
                                  'service runs in one process '
                                  '(solum-all).')],
               help='RPC transport between Solum services.'),
]


def register_opts(conf):
    conf.register_opts(opts)


def list_opts():
    return {'DEFAULT': opts}
