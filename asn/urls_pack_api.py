"""The pack-file REST endpoint (asn.views_pack), joined to the project's "api" namespace by
shopctrl.urls under /api/: POST /api/shops/<shop_id>/packs/ is `api:pack-import`."""

from django.urls import path

from asn import views_pack

urlpatterns = [
    path("shops/<int:shop_id>/packs/", views_pack.pack_api, name="pack-import"),
]
