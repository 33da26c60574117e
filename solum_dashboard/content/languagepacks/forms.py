from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import messages

from solum.api import schemas
from solum_dashboard.api import solum
from solum_dashboard.content.applications import forms as app_forms
from solumclient import exceptions as solum_exc


class CreateLanguagePackForm(forms.SelfHandlingForm):
    name = forms.RegexField(
        label=_('Name'), max_length=100, regex=schemas.LP_NAME,
        error_messages={'invalid': _('The name must be %s.')
                        % schemas.LP_NAME_RULE})
    source_uri = forms.CharField(
        label=_('Git repository'), max_length=1024,
        help_text=_('The repository of the pack\'s Containerfile '
                    '(https://, ssh:// or file://)'))
    description = forms.CharField(label=_('Description'), required=False,
                                  max_length=1024)

    def clean_source_uri(self):
        url = self.cleaned_data['source_uri'].strip()
        if not app_forms.GIT_URL.match(url):
            raise forms.ValidationError(_('Give an https://, ssh://, '
                                          'user@host:path or file:// URL'))
        return url

    def handle(self, request, data):
        try:
            lp = solum.languagepack_create(
                request, data['name'], data['source_uri'],
                description=data.get('description') or None)
        except solum_exc.ClientException as e:
            solum.handle(request, _('Unable to create language pack %s')
                         % data['name'], e)
            return False
        messages.success(request, _('Building language pack %s.') % lp.name)
        return lp
