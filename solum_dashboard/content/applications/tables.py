from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from solum.common import states
from solum_dashboard.api import solum
from solumclient import exceptions as solum_exc

SERVICE = 'application_deployment'
INDEX = 'horizon:project:solum_applications:index'


def _target(request, datum=None):
    return {'project_id': getattr(datum, 'project_id', None) or
            request.user.project_id}


class _Policy:
    def get_policy_target(self, request, datum=None):
        return _target(request, datum)


def _busy(datum):
    return datum is not None and datum.state == solum.RUNNING


class CreateApp(_Policy, tables.LinkAction):
    name = 'create'
    verbose_name = _('Create App')
    url = 'horizon:project:solum_applications:create'
    classes = ('ajax-modal',)
    icon = 'plus'
    policy_rules = ((SERVICE, 'solum:apps:create'),)


class DeployApp(_Policy, tables.BatchAction):
    """Test, build and deploy the app's source."""

    name = 'deploy'
    icon = 'cloud-upload'
    help_text = _('Tests, builds and deploys the app\'s source as a new '
                  'release.')
    policy_rules = ((SERVICE, 'solum:workflows:create'),)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Deploy App', 'Deploy Apps', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Started deploying app',
                             'Started deploying apps', count)

    def allowed(self, request, datum=None):
        return datum is None or (
            not _busy(datum) and datum.status != states.DELETING)

    def action(self, request, obj_id):
        try:
            solum.app_deploy(request, obj_id)
        except solum_exc.ClientException as e:
            solum.handle(request, _('Unable to deploy app %s') % obj_id, e,
                         escalate=True)


class ScaleApp(_Policy, tables.LinkAction):
    name = 'scale'
    verbose_name = _('Scale')
    url = 'horizon:project:solum_applications:scale'
    classes = ('ajax-modal',)
    icon = 'arrows-h'
    policy_rules = ((SERVICE, 'solum:apps:scale'),)

    def allowed(self, request, datum=None):
        return datum is None or bool(datum.active_release)


class RollbackApp(_Policy, tables.LinkAction):
    name = 'rollback'
    verbose_name = _('Roll Back')
    url = 'horizon:project:solum_applications:rollback'
    classes = ('ajax-modal',)
    icon = 'undo'
    policy_rules = ((SERVICE, 'solum:apps:rollback'),)

    def allowed(self, request, datum=None):
        return datum is None or (bool(datum.active_release) and
                                 not _busy(datum))


class DeleteApp(_Policy, tables.DeleteAction):
    policy_rules = ((SERVICE, 'solum:apps:delete'),)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Delete App', 'Delete Apps', count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Deleting app', 'Deleting apps', count)

    def allowed(self, request, datum=None):
        return datum is None or datum.status != states.DELETING

    def delete(self, request, obj_id):
        try:
            solum.app_delete(request, obj_id)
        except solum_exc.ClientException as e:
            solum.handle(request, _('Unable to delete app %s') % obj_id, e,
                         escalate=True)


class UpdateRow(tables.Row):
    """Rows of apps whose workflow runs are refreshed by Horizon's ajax
    row update until the app settles."""

    ajax = True

    def get_data(self, request, app_id):
        # A NotFound (the app is gone) removes the row.
        return solum.app_get(request, app_id)


def app_link(app):
    url = app.app_url
    if not url:
        return '-'
    return format_html('<a href="{0}" target="_blank" rel="noopener" '
                       'class="solum-app-url">{0}</a>', url)


STATE_CHOICES = (
    (solum.IDLE, True),
    (solum.FAILED, False),
    (solum.RUNNING, None),
)


class AppsTable(tables.DataTable):
    name = tables.WrappingColumn(
        'name', verbose_name=_('Name'),
        link='horizon:project:solum_applications:detail')
    status = tables.Column('status', verbose_name=_('Status'))
    url = tables.Column(app_link, verbose_name=_('URL'))
    active_release = tables.Column(
        'active_release', verbose_name=_('Active release'),
        empty_value='-')
    replicas = tables.Column('replicas', verbose_name=_('Replicas'))
    languagepack = tables.Column('languagepack',
                                 verbose_name=_('Language pack'))
    # The state the row refreshes on (hidden: Status shows it).
    state = tables.Column('state', verbose_name=_('State'), hidden=True,
                          status=True, status_choices=STATE_CHOICES)

    def get_object_id(self, datum):
        return datum.id

    def get_object_display(self, datum):
        return datum.name

    class Meta:
        name = 'apps'
        verbose_name = _('Applications')
        status_columns = ['state']
        row_class = UpdateRow
        table_actions = (CreateApp, DeleteApp)
        row_actions = (DeployApp, ScaleApp, RollbackApp, DeleteApp)


# ---------------------------------------------------------- detail tabs

class RollbackToRelease(_Policy, tables.LinkAction):
    name = 'rollback_to'
    verbose_name = _('Roll Back to This Release')
    classes = ('ajax-modal',)
    icon = 'undo'
    policy_rules = ((SERVICE, 'solum:apps:rollback'),)

    def allowed(self, request, release=None):
        return release is not None and \
            release.status == states.RELEASE_SUPERSEDED

    def get_link_url(self, release):
        return '%s?release=%d' % (
            reverse('horizon:project:solum_applications:rollback',
                    args=(release.app_id,)), release.number)


class ReleasesTable(tables.DataTable):
    number = tables.Column('number', verbose_name=_('Release'))
    status = tables.Column('status', verbose_name=_('Status'))
    replicas = tables.Column('replicas', verbose_name=_('Replicas'))
    image = tables.WrappingColumn('image', verbose_name=_('Image'))
    rollback_of = tables.Column('rollback_of',
                                verbose_name=_('Rollback of'),
                                empty_value='-')
    reason = tables.WrappingColumn('reason', verbose_name=_('Reason'),
                                   empty_value='')
    created = tables.Column('created_at', verbose_name=_('Created'))

    def get_object_id(self, datum):
        return str(datum.number)

    class Meta:
        name = 'releases'
        verbose_name = _('Releases')
        row_actions = (RollbackToRelease,)


def stages(workflow):
    return ', '.join('%s: %s' % item for item in solum.stage_states(workflow))


class WorkflowsTable(tables.DataTable):
    wf_id = tables.Column('wf_id', verbose_name=_('Workflow'))
    actions = tables.Column(lambda wf: ', '.join(wf.actions or ()),
                            verbose_name=_('Actions'))
    stages = tables.Column(stages, verbose_name=_('Stages'))
    status = tables.Column('status', verbose_name=_('Status'))
    reason = tables.WrappingColumn('reason', verbose_name=_('Reason'),
                                   empty_value='')
    created = tables.Column('created_at', verbose_name=_('Started'))

    def get_object_id(self, datum):
        return str(datum.wf_id)

    class Meta:
        name = 'workflows'
        verbose_name = _('Workflows')


class ReplicasTable(tables.DataTable):
    name = tables.Column('name', verbose_name=_('Replica'))
    state = tables.Column('state', verbose_name=_('State'))
    router = tables.Column('router_status',
                           verbose_name=_('Router state'),
                           empty_value='-')
    port = tables.Column('port', verbose_name=_('Port'), empty_value='-')
    requests = tables.Column('requests', verbose_name=_('Requests'),
                             empty_value='0')
    release = tables.Column('release_number', verbose_name=_('Release'),
                            empty_value='-')

    def get_object_id(self, datum):
        return datum.name

    class Meta:
        name = 'replicas'
        verbose_name = _('Replicas')
