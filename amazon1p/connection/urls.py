"""Route of the Amazon 1P settings page (amazon1p.connection.views), included by amazon1p.urls."""

from django.urls import path

from amazon1p.connection import views

urlpatterns = [
    path("", views.connection_settings, name="settings"),
]
