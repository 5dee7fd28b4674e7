from django.urls import path

from cockpit import views

app_name = "cockpit"

urlpatterns = [
    path("", views.cockpit_dashboard, name="dashboard"),
    path("export.csv", views.cockpit_export, name="export"),
]
