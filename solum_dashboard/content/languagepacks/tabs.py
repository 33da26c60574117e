from django.utils.translation import gettext_lazy as _
from horizon import tabs

from solum_dashboard.api import solum
from solumclient import exceptions as solum_exc


class OverviewTab(tabs.Tab):
    name = _('Overview')
    slug = 'overview'
    template_name = 'solum_dashboard/languagepacks/_overview.html'

    def get_context_data(self, request):
        return {'lp': self.tab_group.kwargs['lp']}


class BuildLogTab(tabs.Tab):
    name = _('Build log')
    slug = 'build_log'
    template_name = 'solum_dashboard/languagepacks/_build_log.html'

    def get_context_data(self, request):
        lp = self.tab_group.kwargs['lp']
        if lp.get('builtin'):
            return {'lp': lp, 'log': _('Built in: Solum brings it.')}
        try:
            lines = solum.languagepack_logs(request, lp.id)
        except solum_exc.ClientException as e:
            solum.handle(request, _('Unable to read the build log'), e)
            lines = []
        return {'lp': lp, 'log': '\n'.join(
            '%s [%s] %s' % ((line.get('created_at') or '')[:19],
                            line.get('stage'), line.get('message'))
            for line in lines)}


class LanguagePackTabs(tabs.DetailTabsGroup):
    slug = 'languagepack_details'
    tabs = (OverviewTab, BuildLogTab)
