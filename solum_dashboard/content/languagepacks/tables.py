from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables

from solum.common import states
from solum_dashboard.api import solum
from solumclient import exceptions as solum_exc

SERVICE = 'application_deployment'


class _Policy:
    def get_policy_target(self, request, datum=None):
        return {'project_id': getattr(datum, 'project_id', None) or
                request.user.project_id}


class CreateLanguagePack(_Policy, tables.LinkAction):
    name = 'create'
    verbose_name = _('Create Language Pack')
    url = 'horizon:project:solum_languagepacks:create'
    classes = ('ajax-modal',)
    icon = 'plus'
    policy_rules = ((SERVICE, 'solum:language_packs:create'),)


class DeleteLanguagePack(_Policy, tables.DeleteAction):
    policy_rules = ((SERVICE, 'solum:language_packs:delete'),)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Delete Language Pack', 'Delete Language Packs',
                             count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Deleted language pack',
                             'Deleted language packs', count)

    def allowed(self, request, datum=None):
        # Solum's own packs cannot be deleted.
        return datum is None or not datum.get('builtin')

    def delete(self, request, obj_id):
        try:
            solum.languagepack_delete(request, obj_id)
        except solum_exc.ClientException as e:
            # e.g. 409 while an app uses it: the API says which.
            solum.handle(request, _('Unable to delete language pack %s')
                         % obj_id, e, escalate=True)


class UpdateRow(tables.Row):
    ajax = True

    def get_data(self, request, lp_id):
        return solum.languagepack_get(request, lp_id)


STATUS_CHOICES = (
    (states.LP_READY, True),
    (states.LP_ERROR, False),
)


def _kind(lp):
    return _('built-in') if lp.get('builtin') else _('custom')


class LanguagePacksTable(tables.DataTable):
    name = tables.WrappingColumn(
        'name', verbose_name=_('Name'),
        link='horizon:project:solum_languagepacks:detail')
    kind = tables.Column(_kind, verbose_name=_('Kind'))
    status = tables.Column('status', verbose_name=_('Status'), status=True,
                           status_choices=STATUS_CHOICES)
    source = tables.WrappingColumn('source_uri', verbose_name=_('Source'),
                                   empty_value='-')
    description = tables.WrappingColumn(
        'description', verbose_name=_('Description'), empty_value='-')
    reason = tables.WrappingColumn('reason', verbose_name=_('Reason'),
                                   empty_value='')

    def get_object_id(self, datum):
        return datum.get('id') or datum.name

    def get_object_display(self, datum):
        return datum.name

    class Meta:
        name = 'languagepacks'
        verbose_name = _('Language packs')
        status_columns = ['status']
        row_class = UpdateRow
        table_actions = (CreateLanguagePack, DeleteLanguagePack)
        row_actions = (DeleteLanguagePack,)
