from django.urls import path

from amazon1p import views
from amazon1p.urls_ack import urlpatterns as ack_urlpatterns
from amazon1p.urls_picks import urlpatterns as picks_urlpatterns
from amazon1p.urls_sync import urlpatterns as sync_urlpatterns

app_name = "amazon1p"

urlpatterns = [
    path("", views.connection_settings, name="settings"),
    *sync_urlpatterns,
    *ack_urlpatterns,
    *picks_urlpatterns,
]
