import horizon
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class SolumPanel(horizon.Panel):
    """Shown to those the API's list rule lets in, when the catalog has
    Solum or the SOLUM_URL setting names it."""

    @property
    def permissions(self):
        if getattr(settings, 'SOLUM_URL', None):
            return ()
        return ('openstack.services.application_deployment',)


class Applications(SolumPanel):
    name = _('Applications')
    slug = 'solum_applications'
    policy_rules = (('application_deployment', 'solum:apps:list'),)
