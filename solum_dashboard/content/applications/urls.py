from django.urls import re_path

from solum_dashboard.content.applications import views

APP = r'^(?P<app_id>[^/]+)/'

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^create/$', views.CreateView.as_view(), name='create'),
    re_path(APP + r'$', views.DetailView.as_view(), name='detail'),
    re_path(APP + r'scale/$', views.ScaleView.as_view(), name='scale'),
    re_path(APP + r'rollback/$', views.RollbackView.as_view(),
            name='rollback'),
    re_path(APP + r'logs/$', views.LogsView.as_view(), name='logs'),
]
