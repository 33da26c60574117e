"""Settings of the dashboard's unit tests: Horizon's own test settings
with the Solum panels enabled."""

import openstack_dashboard.enabled
from openstack_dashboard.test.settings import *  # noqa: F403
from openstack_dashboard.test.settings import HORIZON_CONFIG
from openstack_dashboard.test.settings import INSTALLED_APPS
from openstack_dashboard.utils import settings as settings_utils

import solum_dashboard.enabled

ROOT_URLCONF = 'openstack_dashboard.urls'
SOLUM_URL = 'http://solum.test:9777'

# Horizon's test settings enabled its own panels already: again, with ours.
HORIZON_CONFIG.pop('dashboards', None)
HORIZON_CONFIG.pop('default_dashboard', None)
_apps = []
settings_utils.update_dashboards(
    [solum_dashboard.enabled, openstack_dashboard.enabled],
    HORIZON_CONFIG, _apps)
INSTALLED_APPS = list(INSTALLED_APPS) + [
    app for app in _apps if app not in INSTALLED_APPS]

# The policy tests turn the check on (Horizon's test settings leave it off).
POLICY_CHECK_FUNCTION = None
