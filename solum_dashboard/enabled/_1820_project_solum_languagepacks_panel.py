# Project > Solum > Language packs
PANEL = 'solum_languagepacks'
PANEL_DASHBOARD = 'project'
PANEL_GROUP = 'solum'
ADD_PANEL = ('solum_dashboard.content.languagepacks.panel.LanguagePacks')
