"""openstack app git-remote|deploy-token create|list|delete: pushing to an
app's own git remote."""

import ipaddress
from urllib import parse

from osc_lib import exceptions as osc_exc
from osc_lib.command import command

from solumclient.osc.v1 import apps
from solumclient.osc.v1 import common

REMOTE = 'solum'
# `credential.helper solum` makes git run git-credential-solum.
HELPER = 'solum'
DEPLOY_TOKEN_COLUMNS = ('id', 'name', 'created_at', 'last_used_at')


def is_loopback(url):
    host = parse.urlsplit(url).hostname or ''
    if host == 'localhost':
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def remote_add(git_url):
    return 'git remote add %s %s' % (REMOTE, git_url)


def credential_helper(git_url):
    # Scoped to the remote's URL: the helper never answers for other hosts.
    return 'git config credential.%s.helper %s' % (git_url, HELPER)


def needs_credentials(solum, git_url):
    """False for the all-in-one with noauth: no Keystone in the session
    and the remote on this machine."""
    return solum.http.uses_keystone or not is_loopback(git_url)


def git_url_of(app):
    if not app.get('git_url'):
        raise osc_exc.CommandError(
            'App %s has no git_url: this Solum API offers no git remote '
            'for apps.' % app.get('name', app.get('id')))
    return app['git_url']


class GitRemote(apps._OnApp, command.ShowOne):
    """Show the app's git remote and how to push to it."""

    def take_action(self, args):
        solum = common.client(self.app)
        with common.api_errors():
            app = solum.apps.get(args.app)
        git_url = git_url_of(app)
        shown = {'app': app.get('name'), 'git_url': git_url,
                 'remote_add': remote_add(git_url)}
        if needs_credentials(solum, git_url):
            shown['credential_helper'] = credential_helper(git_url)
            shown['auth'] = (
                'with the helper, git push sends a Keystone token from '
                'your OS_* variables (source your openrc); or set '
                'SOLUM_DEPLOY_TOKEN to a deploy token (openstack app '
                'deploy-token create %s)' % args.app)
        else:
            shown['auth'] = ('none needed (noauth all-in-one): git push %s'
                             % REMOTE)
        columns = tuple(c for c in ('app', 'git_url', 'remote_add',
                                    'credential_helper', 'auth')
                        if c in shown)
        return common.show(shown, columns)


class CreateDeployToken(apps._OnApp, command.ShowOne):
    """Create a token that can push to the app's git remote (for CI); the
    token is shown this once."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--name', metavar='<name>',
                            help='What the token is for (such as ci)')
        return parser

    def take_action(self, args):
        solum = common.client(self.app)
        with common.api_errors():
            token = solum.apps.create_deploy_token(args.app, name=args.name)
            git_url = token.get('git_url') or git_url_of(
                solum.apps.get(args.app))
        shown = dict(token, git_url=git_url,
                     remote_add=remote_add(git_url),
                     credential_helper=credential_helper(git_url))
        # The token goes in the environment, never in the remote's URL
        # (.git/config, shell history and logs would keep it).
        shown['usage'] = (
            'export SOLUM_DEPLOY_TOKEN=<the token above>, then git push %s '
            '(the helper sends it as user %s); keep it in a CI secret, it '
            'is not shown again' % (REMOTE, token.get('username',
                                                      'deploy-token')))
        return common.show(shown, ('id', 'name', 'username', 'token',
                                   'git_url', 'remote_add',
                                   'credential_helper', 'usage',
                                   'created_at'))


class ListDeployTokens(apps._OnApp, command.Lister):
    """List the app's deploy tokens (without their secrets)."""

    def take_action(self, args):
        with common.api_errors():
            tokens = common.client(self.app).apps.list_deploy_tokens(
                args.app)
        return common.table(tokens, DEPLOY_TOKEN_COLUMNS)


class DeleteDeployToken(apps._OnApp, command.Command):
    """Delete a deploy token: pushes with it stop working."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('token_id', metavar='<token-id>')
        return parser

    def take_action(self, args):
        with common.api_errors():
            common.client(self.app).apps.delete_deploy_token(args.app,
                                                             args.token_id)
