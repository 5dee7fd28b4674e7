from django.urls import path

from asn import views, views_documents
from asn.settings_collections import WAREHOUSES
from shops.urls import collection_urls

app_name = "asn"

urlpatterns = [
    path("", views.group_list, name="group-list"),
    path("new/", views.group_create, name="group-create"),
    path("<int:pk>/", views.group_detail, name="group-detail"),
    path("<int:pk>/transport/", views.group_update, name="group-update"),
    path("<int:pk>/orders/add/", views.order_add, name="order-add"),
    path("<int:pk>/orders/<int:shipment_id>/remove/", views.order_remove, name="order-remove"),
    path(
        "<int:pk>/orders/<int:shipment_id>/quantities/",
        views.quantities_set,
        name="quantities-set",
    ),
    path("<int:pk>/containers/add/", views.container_add, name="container-add"),
    path(
        "<int:pk>/containers/<int:container_id>/remove/",
        views.container_remove,
        name="container-remove",
    ),
    path(
        "<int:pk>/containers/<int:container_id>/details/",
        views.container_details,
        name="container-details",
    ),
    path("<int:pk>/place/", views.place, name="place"),
    path("<int:pk>/place-all/", views.place_all, name="place-all"),
    path("<int:pk>/placements/<int:placement_id>/unplace/", views.unplace, name="unplace"),
    path("<int:pk>/placements/<int:placement_id>/move/", views.move, name="move"),
    path("<int:pk>/pack-file/", views.pack_upload, name="pack-upload"),
    path("<int:pk>/asn/", views.asn_submit, name="asn-submit"),
    path("<int:pk>/asn/status/", views.asn_status, name="asn-status"),
    path("<int:pk>/reopen/", views.group_reopen, name="group-reopen"),
    path("<int:pk>/documents/<str:kind>/", views_documents.document, name="document"),
    path("templates/", views_documents.template_list, name="template-list"),
    path("templates/<str:kind>/", views_documents.template_edit, name="template-edit"),
    path(
        "templates/<str:kind>/preview/", views_documents.template_preview, name="template-preview"
    ),
    path("templates/<str:kind>/reset/", views_documents.template_reset, name="template-reset"),
    *collection_urls(WAREHOUSES),
]
