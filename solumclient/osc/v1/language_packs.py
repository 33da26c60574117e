"""openstack languagepack create|list|show|delete|logs"""

import sys

from osc_lib.command import command

from solumclient.osc.v1 import common

COLUMNS = ('id', 'name', 'builtin', 'status', 'reason', 'source_uri',
           'description', 'image_ref', 'created_at', 'updated_at')
LIST_COLUMNS = ('id', 'name', 'builtin', 'status', 'source_uri')


class CreateLanguagePack(command.ShowOne):
    """Register a custom language pack (a git repo with a Containerfile)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name')
        parser.add_argument('git_url', metavar='<git-url>')
        parser.add_argument('--description', metavar='<text>')
        parser.add_argument('--param', action='append', metavar='<K=V>',
                            help='lp_params entry (repeatable)')
        parser.add_argument('--wait', action='store_true',
                            help='Stream the build log and wait until the '
                                 'language pack is READY (non-zero with '
                                 'the reason on ERROR)')
        return parser

    def take_action(self, args):
        solum = common.client(self.app)
        with common.api_errors():
            lp = solum.language_packs.create(
                args.name, args.git_url, description=args.description,
                lp_params=common.parse_params(args.param) or None)
        if args.wait:
            lp = common.wait_for_language_pack(solum, lp, stream=sys.stderr)
        return common.show(lp, COLUMNS)


class ListLanguagePacks(command.Lister):
    """List language packs: the built-in ones, then the project's."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--custom', action='store_true',
                            help="Only the project's custom language packs")
        return parser

    def take_action(self, args):
        with common.api_errors():
            lps = common.client(self.app).language_packs.list()
        if args.custom:
            # An API older than built-in listings has no builtin field.
            lps = [lp for lp in lps if not lp.get('builtin')]
        return common.table(lps, LIST_COLUMNS)


class ShowLanguagePack(command.ShowOne):
    """Show a language pack."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('languagepack', help='Name or id')
        return parser

    def take_action(self, args):
        with common.api_errors():
            lp = common.client(self.app).language_packs.get(
                args.languagepack)
        return common.show(lp, COLUMNS)


class DeleteLanguagePack(command.Command):
    """Delete language packs (refused while an app uses one)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('languagepacks', nargs='+', metavar='<lp>')
        return parser

    def take_action(self, args):
        for lp in args.languagepacks:
            with common.api_errors():
                common.client(self.app).language_packs.delete(lp)


class LanguagePackLogs(command.Command):
    """Show (or follow) a language pack's build log."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('languagepack', help='Name or id')
        parser.add_argument('--follow', action='store_true')
        return parser

    def take_action(self, args):
        solum = common.client(self.app)
        with common.api_errors():
            if args.follow:
                for line in solum.language_packs.follow_logs(
                        args.languagepack):
                    self.app.stdout.write(line + '\n')
                return
            for line in solum.language_packs.logs(args.languagepack):
                self.app.stdout.write('%s [%s] %s\n' % (
                    line['created_at'], line['stage'], line['message']))
