"""git-credential-solum: a git credential helper for Solum app remotes.

Git runs it as ``git-credential-solum get|store|erase`` with ``key=value``
lines on stdin. For ``get`` it answers with a deploy token when
``SOLUM_DEPLOY_TOKEN`` is set (CI), or else with a Keystone token got from
the OS_* variables of an openrc file::

    git config credential.http://HOST:PORT/v1/apps/ID/git.helper solum
"""

import os
import sys

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading
from keystoneauth1 import session as ks_session

# The usernames the Solum git endpoint tells the two passwords apart by.
DEPLOY_TOKEN_USER = 'deploy-token'  # noqa: S105 (a username)
KEYSTONE_TOKEN_USER = 'token'  # noqa: S105 (a username)
NO_KEYSTONE = ('none', 'noauth')


class HelperError(Exception):
    """Why no credentials can be given; its text goes to stderr."""


def read_request(stream):
    """The ``key=value`` lines git sends, up to a blank line or the end."""
    request = {}
    for line in stream:
        line = line.rstrip('\r\n')
        if not line:
            break
        key, sep, value = line.partition('=')
        if sep:
            request[key] = value
    return request


def is_solum_remote(request):
    """False when git says (credential.useHttpPath) the URL is not an app's
    git remote: a helper set too widely must not hand a Keystone token to
    another host."""
    path = request.get('path')
    if path is None:
        return True
    parts = path.strip('/').split('/')
    return (len(parts) >= 4 and parts[0] == 'v1' and parts[1] == 'apps' and
            parts[3] == 'git')


def _auth_type(env):
    if env.get('OS_AUTH_TYPE'):
        return env['OS_AUTH_TYPE']
    if env.get('OS_APPLICATION_CREDENTIAL_ID') or env.get(
            'OS_APPLICATION_CREDENTIAL_NAME'):
        return 'v3applicationcredential'
    if env.get('OS_TOKEN'):
        return 'token'
    return 'password'


def _auth_options(loader, env):
    """The loader's options that some OS_* variable sets."""
    options = {}
    for opt in loader.get_options():
        for name in opt.argparse_envvars:
            if env.get(name):
                options[opt.dest] = env[name]
                break
    return options


def keystone_token(env):
    """A Keystone token from the OS_* variables in ``env``."""
    auth_type = _auth_type(env)
    if auth_type in NO_KEYSTONE:
        raise HelperError(
            'OS_AUTH_TYPE is %s: no Keystone to get a token from (a noauth '
            'Solum needs no git credentials; unset credential.helper, or '
            'set SOLUM_DEPLOY_TOKEN)' % auth_type)
    if not env.get('OS_AUTH_URL'):
        hint = (' (clouds.yaml is not read: source an openrc file)'
                if env.get('OS_CLOUD') else '')
        raise HelperError('OS_AUTH_URL is not set%s; set the OS_* '
                          'variables, or SOLUM_DEPLOY_TOKEN to a deploy '
                          'token' % hint)
    try:
        loader = loading.get_plugin_loader(auth_type)
        auth = loader.load_from_options(**_auth_options(loader, env))
    except ks_exc.NoMatchingPlugin:
        raise HelperError('OS_AUTH_TYPE %s is not a keystoneauth1 auth '
                          'type' % auth_type)
    except ks_exc.MissingRequiredOptions as e:
        names = ', '.join(o.argparse_envvars[0] for o in e.options)
        raise HelperError('Missing %s for OS_AUTH_TYPE %s' % (names,
                                                              auth_type))
    except ks_exc.OptionError as e:
        # Such as an application credential without its secret.
        raise HelperError('The OS_* variables do not make a %s login: %s'
                          % (auth_type, e))
    insecure = env.get('OS_INSECURE', '').lower() in ('1', 'true', 'yes')
    verify = False if insecure else env.get('OS_CACERT') or True
    try:
        return ks_session.Session(auth=auth, verify=verify).get_token()
    except ks_exc.ClientException as e:
        # keystoneauth's messages name the URL and status, not secrets.
        raise HelperError('Keystone at %s gave no token: %s' % (
            env['OS_AUTH_URL'], ' '.join(str(e).split())))


def credentials(env):
    """(username, password) for the Solum git endpoint."""
    if env.get('SOLUM_DEPLOY_TOKEN'):
        return DEPLOY_TOKEN_USER, env['SOLUM_DEPLOY_TOKEN']
    return KEYSTONE_TOKEN_USER, keystone_token(env)


def main(argv=None, stdin=None, stdout=None, stderr=None, env=None):
    argv = sys.argv[1:] if argv is None else argv
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    stderr = stderr or sys.stderr
    env = os.environ if env is None else env
    if len(argv) != 1 or argv[0] not in ('get', 'store', 'erase'):
        print('usage: git-credential-solum get|store|erase (git runs it; '
              'see git config credential.<url>.helper solum)', file=stderr)
        return 2
    request = read_request(stdin)
    # Tokens are fetched afresh each time: nothing to store or erase.
    if argv[0] != 'get' or not is_solum_remote(request):
        return 0
    try:
        username, password = credentials(env)
    except HelperError as e:
        print('git-credential-solum: %s' % e, file=stderr)
        return 1
    stdout.write('username=%s\npassword=%s\n' % (username, password))
    stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
