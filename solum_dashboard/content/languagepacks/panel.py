from django.utils.translation import gettext_lazy as _

from solum_dashboard.content.applications import panel


class LanguagePacks(panel.SolumPanel):
    name = _('Language packs')
    slug = 'solum_languagepacks'
    policy_rules = (('application_deployment',
                     'solum:language_packs:list'),)
