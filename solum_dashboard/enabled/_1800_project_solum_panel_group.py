# The "Solum" panel group of the Project dashboard.
from solumclient import exceptions

PANEL_GROUP = 'solum'
PANEL_GROUP_NAME = 'Solum'
PANEL_GROUP_DASHBOARD = 'project'

# Horizon's error handling knows the Solum client's errors (a row whose
# app is gone is removed from its table, a 401 logs the user out).
ADD_EXCEPTIONS = {
    'recoverable': (exceptions.ClientException,),
    'not_found': (exceptions.NotFound,),
    'unauthorized': (exceptions.Unauthorized,),
}
