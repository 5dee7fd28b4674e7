"""Routes of the pick-results pages (amazon1p.picks.views), included by amazon1p.urls, and
the REST endpoint (`api_urlpatterns`), included by shopctrl.urls under /api/."""

from django.urls import path

from amazon1p.picks import views

urlpatterns = [
    path("picks/", views.pick_import_list, name="pick-import-list"),
    path("api-tokens/", views.api_token_list, name="api-token-list"),
    path("api-tokens/revoke/", views.api_token_revoke, name="api-token-revoke"),
]

api_urlpatterns = [
    path("shops/<int:shop_id>/picks/", views.pick_api, name="pick-import"),
]
