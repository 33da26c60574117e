"""openstack app create|list|show|set|delete|deploy|build|logs"""

import sys

from osc_lib.command import command

from solumclient import exceptions
from solumclient.osc.v1 import common


def _add_app_flags(parser):
    """Flags that set fields of an app, for app create and app set."""
    parser.add_argument('--description', metavar='<text>')
    parser.add_argument('--git-url', metavar='<url>')
    parser.add_argument('--revision', metavar='<revision>')
    parser.add_argument('--languagepack', metavar='<name>')
    parser.add_argument('--run-cmd', metavar='<command>')
    parser.add_argument('--test-cmd', metavar='<command>')
    parser.add_argument('--port', type=int, action='append',
                        metavar='<port>')
    parser.add_argument('--param', action='append', metavar='<KEY=VALUE>',
                        help='Environment of the app (repeatable)')


def _fields_from_flags(args):
    """The app fields the flags give; source and workflow_config hold only
    what was given (the API merges them into what is there)."""
    fields = {}
    if args.description is not None:
        fields['description'] = args.description
    if args.languagepack:
        fields['languagepack'] = args.languagepack
    source = {k: v for k, v in (('repository', args.git_url),
                                ('revision', args.revision)) if v}
    if source:
        fields['source'] = source
    config = {k: v for k, v in (('run_cmd', args.run_cmd),
                                ('test_cmd', args.test_cmd)) if v}
    if config:
        fields['workflow_config'] = config
    if args.port:
        fields['ports'] = args.port
    return fields


class _OnApp:
    """A command on one app: its first argument names the app."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('app', help='App name or id')
        return parser


class CreateApp(command.ShowOne):
    """Create an app from an app file or from flags."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', nargs='?',
                            help='App name (overrides the app file\'s)')
        parser.add_argument('--app-file', metavar='<file>',
                            help='App file (YAML or JSON)')
        _add_app_flags(parser)
        return parser

    def take_action(self, args):
        document = common.load_file(args.app_file) if args.app_file else {}
        if not isinstance(document, dict):
            common.fail(exceptions.BadRequest(
                'The app file must hold a mapping (version, name, ...)'))
        document.setdefault('version', 1)
        if args.name:
            document['name'] = args.name
        fields = _fields_from_flags(args)
        for nested in ('source', 'workflow_config'):
            if nested in fields:
                fields[nested] = dict(document.get(nested) or {},
                                      **fields[nested])
        document.update(fields)
        document.setdefault('languagepack', 'auto')
        document.setdefault('source', {})
        params = common.parse_params(args.param)
        if params:
            document.setdefault('parameters', {}).setdefault(
                'user_params', {}).update(params)
        with common.api_errors():
            app = common.client(self.app).apps.create(document)
        return common.show(app, common.APP_COLUMNS)


class ListApps(command.Lister):
    """List apps."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--all-projects', action='store_true',
                            help='Every project\'s apps (admin only)')
        return parser

    def take_action(self, args):
        with common.api_errors():
            apps = common.client(self.app).apps.list(
                all_projects=args.all_projects)
        return common.table(apps, common.APP_LIST_COLUMNS)


class ShowApp(_OnApp, command.ShowOne):
    """Show an app."""

    def take_action(self, args):
        with common.api_errors():
            app = common.client(self.app).apps.get(args.app)
        return common.show(app, common.APP_COLUMNS)


class WebhookSecret(_OnApp, command.ShowOne):
    """Create or rotate the app's webhook secret: prints it, and the
    webhook URL to give GitHub, GitLab or Gitea, once (the API never
    shows it again). The previous secret stops working."""

    def take_action(self, args):
        with common.api_errors():
            result = common.client(self.app).apps.rotate_webhook_secret(
                args.app)
        return common.show(result, ('app_id', 'webhook_url', 'secret',
                                    'content_type', 'rotated'))


class SetApp(_OnApp, command.ShowOne):
    """Change an app (source and workflow_config merge)."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_app_flags(parser)
        return parser

    def take_action(self, args):
        fields = _fields_from_flags(args)
        solum = common.client(self.app)
        with common.api_errors():
            params = common.parse_params(args.param)
            if params:
                current = solum.apps.get(args.app)['parameters']
                user = dict(current.get('user_params', {}), **params)
                fields['parameters'] = dict(current, user_params=user)
            app = solum.apps.update(args.app, **fields)
        return common.show(app, common.APP_COLUMNS)


class DeleteApp(command.Command):
    """Delete apps and everything they run."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('apps', nargs='+', metavar='<app>')
        parser.add_argument('--wait', action='store_true',
                            help='Show progress and wait until the apps '
                                 'are gone (non-zero if a delete fails)')
        return parser

    def take_action(self, args):
        solum = common.client(self.app)
        deleting = []
        for app in args.apps:
            with common.api_errors():
                if args.wait:
                    # Wait on the id: the name may be taken again.
                    app = solum.apps.get(app)
                    solum.apps.delete(app['id'])
                    deleting.append(app)
                else:
                    solum.apps.delete(app)
        for app in deleting:
            common.wait_for_app_gone(solum, app, stream=sys.stderr)


class _StartWorkflow(_OnApp, command.ShowOne):
    actions = ()

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--wait', action='store_true',
                            help='Stream the log and wait for the end')
        return parser

    def workflow_options(self, args):
        return {}

    def take_action(self, args):
        solum = common.client(self.app)
        with common.api_errors():
            wf = solum.workflows.create(args.app, self.actions,
                                        **self.workflow_options(args))
        if args.wait:
            wf = common.wait_for_workflow(solum, args.app, wf,
                                          stream=sys.stderr)
        return common.show(wf, common.WORKFLOW_COLUMNS)


class DeployApp(_StartWorkflow):
    """Test, build and deploy an app (or deploy an earlier build)."""

    actions = ('unittest', 'build', 'deploy')

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--du-id', metavar='<image>',
                            help='Deploy this earlier build; no rebuild')
        parser.add_argument('--skip-tests', action='store_true')
        return parser

    def take_action(self, args):
        if args.du_id:
            self.actions = ('deploy',)
        elif args.skip_tests:
            self.actions = ('build', 'deploy')
        return super().take_action(args)

    def workflow_options(self, args):
        return {'du_id': args.du_id} if args.du_id else {}


class BuildApp(_StartWorkflow):
    """Test and build an app's image without deploying it."""

    actions = ('unittest', 'build')


class AppLogs(_OnApp, command.Command):
    """Show (or follow) an app's output, or one workflow's log."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--workflow', metavar='<N>',
                            help='A workflow\'s log (number or id) instead '
                                 'of the app\'s output')
        parser.add_argument('--tail', type=int, metavar='<lines>',
                            help='Only the last lines of the app\'s output')
        parser.add_argument('--follow', action='store_true',
                            help='Keep streaming new lines')
        return parser

    def take_action(self, args):
        solum = common.client(self.app)
        out = self.app.stdout
        with common.api_errors():
            if args.workflow is not None:
                if args.follow:
                    for line in solum.workflows.follow_logs(args.app,
                                                            args.workflow):
                        out.write(line + '\n')
                        out.flush()
                    return
                for line in solum.workflows.logs(args.app, args.workflow):
                    out.write('%s [%s] %s\n' % (
                        line['created_at'], line['stage'], line['message']))
                return
            if args.follow:
                for line in solum.apps.follow_logs(args.app, tail=args.tail):
                    out.write(line + '\n')
                    out.flush()
                return
            for line in solum.apps.logs(args.app, tail=args.tail):
                out.write('%s %s %s\n' % (line['time'], line['replica'],
                                          line['line']))


class ScaleApp(_OnApp, command.ShowOne):
    """Scale an app to N replicas, or set its autoscaling policy."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('replicas', nargs='?', type=int, metavar='<N>')
        parser.add_argument('--min', type=int, metavar='<N>',
                            help='Autoscaling: fewest replicas')
        parser.add_argument('--max', type=int, metavar='<N>',
                            help='Autoscaling: most replicas')
        parser.add_argument('--target-rps', type=float, metavar='<rps>',
                            help='Autoscaling: requests/s per replica')
        parser.add_argument('--target-cpu', type=float, metavar='<percent>',
                            help='Autoscaling: CPU %% per replica')
        parser.add_argument('--cooldown', type=int, metavar='<seconds>')
        parser.add_argument('--no-autoscale', action='store_true',
                            help='Turn autoscaling off')
        parser.add_argument('--wait', action='store_true',
                            help='Show progress and wait until N replicas '
                                 'run')
        parser.add_argument('--wait-timeout', type=int, default=600,
                            metavar='<seconds>',
                            help='Longest --wait (default 600): the API '
                                 'reports no failed scale but a failed '
                                 'stack')
        return parser

    def take_action(self, args):
        solum = common.client(self.app)
        policy = {k: v for k, v in (
            ('min', args.min), ('max', args.max),
            ('target_rps', args.target_rps),
            ('target_cpu', args.target_cpu),
            ('cooldown', args.cooldown)) if v is not None}
        if args.replicas is None and not policy and not args.no_autoscale:
            common.fail(exceptions.BadRequest(
                'Give a number of replicas, autoscaling options '
                '(--min/--max with --target-rps or --target-cpu), or '
                '--no-autoscale'))
        with common.api_errors():
            result = {'app_id': args.app}
            if policy or args.no_autoscale:
                params = dict(solum.apps.get(args.app)['parameters'])
                if args.no_autoscale:
                    params.pop('autoscale', None)
                else:
                    params['autoscale'] = dict(params.get('autoscale', {}),
                                               **policy)
                app = solum.apps.update(args.app, parameters=params)
                result['autoscale'] = app['parameters'].get('autoscale')
            if args.replicas is not None:
                result.update(solum.apps.scale(args.app, args.replicas))
        if args.wait and args.replicas is not None:
            common.wait_for_replicas(solum, args.app, args.replicas,
                                     args.wait_timeout, stream=sys.stderr)
        columns = tuple(sorted(result))
        return columns, tuple(result[c] for c in columns)


class RollbackApp(_OnApp, command.ShowOne):
    """Redeploy an earlier release without rebuilding."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('release', nargs='?', type=int,
                            metavar='<release>',
                            help='Release number (default: the previous)')
        parser.add_argument('--wait', action='store_true')
        return parser

    def take_action(self, args):
        solum = common.client(self.app)
        with common.api_errors():
            wf = solum.apps.rollback(args.app, args.release)
        if args.wait:
            wf = common.wait_for_workflow(solum, args.app, wf)
        return common.show(wf, common.WORKFLOW_COLUMNS)


class ListReleases(_OnApp, command.Lister):
    """List an app's releases (every successful or failed deploy)."""

    def take_action(self, args):
        with common.api_errors():
            releases = common.client(self.app).apps.releases(args.app)
        return common.table(releases, ('number', 'status', 'image',
                                       'replicas', 'rollback_of',
                                       'created_at'))


class ListWorkflows(_OnApp, command.Lister):
    """List an app's workflows."""

    def take_action(self, args):
        with common.api_errors():
            wfs = common.client(self.app).workflows.list(args.app)
        return common.table(wfs, common.WORKFLOW_LIST_COLUMNS)


class ShowWorkflow(_OnApp, command.ShowOne):
    """Show one workflow of an app."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('workflow', help='Workflow number or id')
        return parser

    def take_action(self, args):
        with common.api_errors():
            wf = common.client(self.app).workflows.get(args.app,
                                                       args.workflow)
        return common.show(wf, common.WORKFLOW_COLUMNS)
