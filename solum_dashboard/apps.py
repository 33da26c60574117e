"""The Django app: makes Solum's policy rules known to Horizon."""

import os

from django import apps
from django.conf import settings

SERVICE = 'application_deployment'
CONF_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'conf')


class SolumDashboardConfig(apps.AppConfig):
    name = 'solum_dashboard'
    verbose_name = 'Solum'

    def ready(self):
        # Horizon checks the rules of a service listed in POLICY_FILES,
        # with the defaults of DEFAULT_POLICY_FILES: Solum's own rules (the
        # API's, solum/api/policies) unless the operator named files of
        # their own. Absolute paths win over POLICY_FILES_PATH.
        for name, path in (
                ('POLICY_FILES', os.path.join(CONF_DIR, 'solum_policy.yaml')),
                ('DEFAULT_POLICY_FILES',
                 os.path.join(CONF_DIR, 'default_policies', 'solum.yaml'))):
            files = getattr(settings, name, None)
            if isinstance(files, dict):
                files.setdefault(SERVICE, path)
