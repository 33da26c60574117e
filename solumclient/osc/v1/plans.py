"""openstack app plan create|list|show|delete"""

from osc_lib.command import command

from solumclient.osc.v1 import common

COLUMNS = ('uuid', 'name', 'description', 'artifacts', 'created_at')
LIST_COLUMNS = ('uuid', 'name', 'description')


class CreatePlan(command.ShowOne):
    """Register a version-1 plan from a YAML or JSON file."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('plan_file', metavar='<plan-file>')
        return parser

    def take_action(self, args):
        try:
            with open(args.plan_file) as f:
                text = f.read()
        except OSError as e:
            common.fail(e)
        with common.api_errors():
            plan = common.client(self.app).plans.create(text)
        return common.show(plan, COLUMNS)


class ListPlans(command.Lister):
    """List plans."""

    def take_action(self, args):
        with common.api_errors():
            plans = common.client(self.app).plans.list()
        return common.table(plans, LIST_COLUMNS)


class ShowPlan(command.ShowOne):
    """Show a plan."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('plan', help='Plan id')
        return parser

    def take_action(self, args):
        with common.api_errors():
            plan = common.client(self.app).plans.get(args.plan)
        return common.show(plan, COLUMNS)


class DeletePlan(command.Command):
    """Delete plans."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('plans', nargs='+', metavar='<plan>')
        return parser

    def take_action(self, args):
        for plan in args.plans:
            with common.api_errors():
                common.client(self.app).plans.delete(plan)
