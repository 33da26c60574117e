from django import http
from django.urls import reverse
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import generic
from horizon import exceptions
from horizon import forms
from horizon import tables
from horizon import tabs
from horizon.utils import memoized

from solum.common import states
from solum_dashboard.api import solum
from solum_dashboard.content.applications import forms as app_forms
from solum_dashboard.content.applications import tables as app_tables
from solum_dashboard.content.applications import tabs as app_tabs
from solumclient import exceptions as solum_exc

INDEX_URL = reverse_lazy('horizon:project:solum_applications:index')
TEMPLATES = 'solum_dashboard/applications/'


class IndexView(tables.DataTableView):
    table_class = app_tables.AppsTable
    template_name = 'horizon/common/_data_table_view.html'
    page_title = _('Applications')

    def get_data(self):
        try:
            return solum.app_list(self.request)
        except solum_exc.ClientException as e:
            solum.handle(self.request, _('Unable to list apps'), e)
            return []
        except exceptions.ServiceCatalogException as e:
            solum.handle(self.request, _('Unable to list apps'), e)
            return []


class _OnApp:
    """A view of one app (``app_id`` in the URL)."""

    @memoized.memoized_method
    def get_app(self):
        try:
            return solum.app_get(self.request, self.kwargs['app_id'])
        except solum_exc.ClientException as e:
            solum.handle(self.request, _('Unable to show app %s')
                         % self.kwargs['app_id'], e, redirect=INDEX_URL)


class DetailView(_OnApp, tabs.TabbedTableView):
    tab_group_class = app_tabs.AppDetailTabs
    template_name = 'horizon/common/_detail.html'
    page_title = '{{ app.name }}'

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        app = self.get_app()
        table = app_tables.AppsTable(self.request)
        context['app'] = app
        context['url'] = INDEX_URL
        context['actions'] = table.render_row_actions(app)
        return context

    def get_tabs(self, request, *args, **kwargs):
        return self.tab_group_class(request, app=self.get_app(), **kwargs)


class CreateView(forms.ModalFormView):
    form_class = app_forms.CreateAppForm
    template_name = TEMPLATES + 'create.html'
    modal_id = 'create_app_modal'
    form_id = 'create_app_form'
    modal_header = _('Create App')
    page_title = _('Create App')
    submit_label = _('Create App')
    submit_url = reverse_lazy('horizon:project:solum_applications:create')
    success_url = INDEX_URL


class _AppForm(_OnApp, forms.ModalFormView):
    """A modal form on one app, posted to the URL named ``url_name``."""
    url_name = None
    success_url = INDEX_URL

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context['app'] = self.get_app()
        context['submit_url'] = reverse(
            'horizon:project:solum_applications:' + self.url_name,
            args=(self.kwargs['app_id'],))
        return context


class ScaleView(_AppForm):
    url_name = 'scale'
    form_class = app_forms.ScaleForm
    template_name = TEMPLATES + 'scale.html'
    modal_id = 'scale_app_modal'
    form_id = 'scale_app_form'
    modal_header = _('Scale App')
    page_title = _('Scale App')
    submit_label = _('Scale')

    def get_initial(self):
        app = self.get_app()
        return {'app_id': app.id, 'replicas': app.replicas or 1}


class RollbackView(_AppForm):
    url_name = 'rollback'
    form_class = app_forms.RollbackForm
    template_name = TEMPLATES + 'rollback.html'
    modal_id = 'rollback_app_modal'
    form_id = 'rollback_app_form'
    modal_header = _('Roll Back App')
    page_title = _('Roll Back App')
    submit_label = _('Roll Back')

    @memoized.memoized_method
    def releases(self):
        """Releases that served and are not the active one, newest
        first."""
        try:
            releases = solum.release_list(self.request,
                                          self.kwargs['app_id'])
        except solum_exc.ClientException as e:
            solum.handle(self.request, _('Unable to list the releases'), e,
                         redirect=INDEX_URL)
        return [r for r in releases
                if r.status == states.RELEASE_SUPERSEDED]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs['releases'] = self.releases()
        return kwargs

    def get_initial(self):
        releases = self.releases()
        wanted = self.request.GET.get('release')
        if not wanted and releases:
            # The one deployed before the active one.
            wanted = str(releases[0].number)
        return {'app_id': self.kwargs['app_id'], 'release': wanted}


class LogsView(generic.View):
    """JSON for the logs tab: the newest workflow's log lines after
    ``since`` and the app's output; ``running`` while the workflow goes
    on (the page asks again then)."""

    def get(self, request, app_id):
        since = request.GET.get('since') or None
        body = {'workflow': None, 'build': [], 'since': since,
                'running': False, 'app': '', 'errors': []}
        try:
            wfs = solum.workflow_list(request, app_id)
        except solum_exc.ClientException as e:
            body['errors'].append(e.message)
            return http.JsonResponse(body)
        if wfs:
            wf = wfs[0]
            wanted = request.GET.get('wf')
            if wanted and wanted != str(wf.wf_id):
                since = None  # a newer workflow: its log from the start
            body['workflow'] = {'wf_id': wf.wf_id, 'status': wf.status,
                                'reason': wf.reason}
            body['running'] = not solum.workflow_finished(wf.to_dict())
            try:
                lines = solum.workflow_logs(request, app_id, wf.wf_id,
                                            since=since)
            except solum_exc.ClientException as e:
                body['errors'].append(e.message)
                lines = []
            body['build'] = ['%s [%s] %s' % (
                (line.get('created_at') or '')[:19], line.get('stage'),
                line.get('message')) for line in lines]
            if lines:
                body['since'] = lines[-1]['id']
        try:
            body['app'] = ''.join(
                '%s %s %s\n' % (line.get('time'), line.get('replica'),
                                line.get('line'))
                for line in solum.app_logs(request, app_id))
        except solum_exc.ClientException as e:
            body['errors'].append(e.message)
        return http.JsonResponse(body)
