from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from horizon import tabs

from solum_dashboard.api import solum
from solum_dashboard.content.applications import tables
from solumclient import exceptions as solum_exc


class OverviewTab(tabs.Tab):
    name = _('Overview')
    slug = 'overview'
    template_name = 'solum_dashboard/applications/_overview.html'

    def get_context_data(self, request):
        app = self.tab_group.kwargs['app']
        return {'app': app,
                'user_params': sorted(
                    ((app.parameters or {}).get('user_params') or {})
                    .items())}


class _AppTableTab(tabs.TableTab):
    template_name = 'horizon/common/_detail_table.html'
    preload = False

    def app(self):
        return self.tab_group.kwargs['app']

    def _fetch(self, what, function):
        try:
            return function(self.request, self.app().id)
        except solum_exc.ClientException as e:
            solum.handle(self.request, _('Unable to list the %s') % what, e)
            return []


class ReleasesTab(_AppTableTab):
    name = _('Releases')
    slug = 'releases'
    table_classes = (tables.ReleasesTable,)

    def get_releases_data(self):
        return self._fetch(_('releases'), solum.release_list)


class WorkflowsTab(_AppTableTab):
    name = _('Workflows')
    slug = 'workflows'
    table_classes = (tables.WorkflowsTable,)

    def get_workflows_data(self):
        wfs = self._fetch(_('workflows'), solum.workflow_list)
        # The newest one with its transitions, for the failed stage.
        if wfs and wfs[0].status in solum.states.ERROR_STATES:
            try:
                wfs[0] = solum.workflow_get(self.request, self.app().id,
                                            wfs[0].wf_id)
            except solum_exc.ClientException:
                pass
        return wfs


class ReplicasTab(_AppTableTab):
    name = _('Replicas')
    slug = 'replicas'
    table_classes = (tables.ReplicasTable,)

    def get_replicas_data(self):
        return self._fetch(_('replicas'), solum.replica_list)


class LogsTab(tabs.Tab):
    """The newest workflow's build log and the app's own output, followed
    (by polling the logs view) while a workflow runs."""

    name = _('Logs')
    slug = 'logs'
    template_name = 'solum_dashboard/applications/_logs.html'
    preload = False

    def get_context_data(self, request):
        app = self.tab_group.kwargs['app']
        return {'app': app, 'logs_url': reverse(
            'horizon:project:solum_applications:logs', args=(app.id,))}


class AppDetailTabs(tabs.DetailTabsGroup):
    slug = 'app_details'
    tabs = (OverviewTab, ReleasesTab, WorkflowsTab, LogsTab, ReplicasTab)
    sticky = True
