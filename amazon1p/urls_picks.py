"""Routes of the pick-results pages (amazon1p.views_picks), included by amazon1p.urls, and
the REST endpoint (`api_urlpatterns`), included by shopctrl.urls under /api/."""

from django.urls import path

from amazon1p import views_picks

urlpatterns = [
    path("picks/", views_picks.pick_import_list, name="pick-import-list"),
    path("api-tokens/", views_picks.api_token_list, name="api-token-list"),
    path("api-tokens/revoke/", views_picks.api_token_revoke, name="api-token-revoke"),
]

api_urlpatterns = [
    path("shops/<int:shop_id>/picks/", views_picks.pick_api, name="pick-import"),
]
