from oslo_config import cfg

group = cfg.OptGroup('security', title='Secrets at rest')

opts = [
    cfg.StrOpt('secret_key', secret=True,
               help='Fernet key (urlsafe base64 of 32 bytes) that encrypts '
                    'private SSH keys at rest. Generate one with '
                    '"python3 -c \'from cryptography.fernet import Fernet; '
                    'print(Fernet.generate_key().decode())\'". When unset, '
                    'a key is generated once into '
                    '$state_path/secret.key.'),
    cfg.ListOpt('old_secret_keys', default=[], secret=True,
                help='Previous keys, still accepted for decryption so that '
                     'the key can be rotated.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group: opts}
