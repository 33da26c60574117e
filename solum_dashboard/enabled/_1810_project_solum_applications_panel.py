# Project > Solum > Applications
PANEL = 'solum_applications'
PANEL_DASHBOARD = 'project'
PANEL_GROUP = 'solum'
ADD_PANEL = ('solum_dashboard.content.applications.panel.Applications')
ADD_INSTALLED_APPS = ['solum_dashboard']
