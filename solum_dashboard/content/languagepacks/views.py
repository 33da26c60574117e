from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from horizon import exceptions
from horizon import forms
from horizon import tables
from horizon import tabs
from horizon.utils import memoized

from solum_dashboard.api import solum
from solum_dashboard.content.languagepacks import forms as lp_forms
from solum_dashboard.content.languagepacks import tables as lp_tables
from solum_dashboard.content.languagepacks import tabs as lp_tabs
from solumclient import exceptions as solum_exc

INDEX_URL = reverse_lazy('horizon:project:solum_languagepacks:index')


class IndexView(tables.DataTableView):
    table_class = lp_tables.LanguagePacksTable
    template_name = 'horizon/common/_data_table_view.html'
    page_title = _('Language packs')

    def get_data(self):
        try:
            return solum.languagepack_list(self.request)
        except (solum_exc.ClientException,
                exceptions.ServiceCatalogException) as e:
            solum.handle(self.request, _('Unable to list language packs'), e)
            return []


class DetailView(tabs.TabView):
    tab_group_class = lp_tabs.LanguagePackTabs
    template_name = 'horizon/common/_detail.html'
    page_title = '{{ lp.name }}'

    @memoized.memoized_method
    def get_lp(self):
        try:
            return solum.languagepack_get(self.request, self.kwargs['lp_id'])
        except solum_exc.ClientException as e:
            solum.handle(self.request, _('Unable to show language pack %s')
                         % self.kwargs['lp_id'], e, redirect=INDEX_URL)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lp = self.get_lp()
        context['lp'] = lp
        context['url'] = INDEX_URL
        context['actions'] = lp_tables.LanguagePacksTable(
            self.request).render_row_actions(lp)
        return context

    def get_tabs(self, request, *args, **kwargs):
        return self.tab_group_class(request, lp=self.get_lp(), **kwargs)


class CreateView(forms.ModalFormView):
    form_class = lp_forms.CreateLanguagePackForm
    template_name = 'solum_dashboard/languagepacks/create.html'
    modal_id = 'create_languagepack_modal'
    form_id = 'create_languagepack_form'
    modal_header = _('Create Language Pack')
    page_title = _('Create Language Pack')
    submit_label = _('Create')
    submit_url = reverse_lazy('horizon:project:solum_languagepacks:create')
    success_url = INDEX_URL
