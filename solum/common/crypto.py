"""Encryption of secrets at rest (private SSH deploy keys)."""

import os

from cryptography import fernet

from solum import conf

CONF = conf.CONF
_KEY_FILE = 'secret.key'


def _load_or_create_key():
    """Return the configured key, or one generated once under state_path."""
    if CONF.security.secret_key:
        return CONF.security.secret_key.encode()
    path = os.path.join(CONF.state_path, _KEY_FILE)
    try:
        with open(path, 'rb') as f:
            return f.read().strip()
    except FileNotFoundError:
        pass
    os.makedirs(CONF.state_path, exist_ok=True)
    key = fernet.Fernet.generate_key()
    # O_EXCL: when two services start at once, the first key wins.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        with open(path, 'rb') as f:
            return f.read().strip()
    with os.fdopen(fd, 'wb') as f:
        f.write(key)
    return key


def _cipher():
    keys = [_load_or_create_key()]
    keys += [k.encode() for k in CONF.security.old_secret_keys]
    return fernet.MultiFernet([fernet.Fernet(k) for k in keys])


def encrypt(plaintext):
    if plaintext is None:
        return None
    return _cipher().encrypt(plaintext.encode()).decode()


def decrypt(token):
    if token is None:
        return None
    return _cipher().decrypt(token.encode()).decode()
