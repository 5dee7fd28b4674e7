"""Amazon 1P pages under shops/<id>/amazon-1p/: each sub-domain's routes, one namespace."""

from django.urls import include, path

app_name = "amazon1p"

urlpatterns = [
    path("", include("amazon1p.connection.urls")),
    path("", include("amazon1p.importing.urls")),
    path("", include("amazon1p.acknowledgements.urls")),
    path("", include("amazon1p.picks.urls")),
]
