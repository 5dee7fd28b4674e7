from django.urls import path

from bulkbuy import views, views_links, views_stages

app_name = "bulkbuy"

urlpatterns = [
    path("", views.offer_list, name="offer-list"),
    path("upload/", views.offer_upload, name="offer-upload"),
    # The offer page is the stages page: rows, the stage forms, highlights and history.
    path("<int:pk>/", views_stages.offer_stages, name="offer-detail"),
    path("<int:pk>/orders/", views.offer_orders, name="offer-orders"),
    path("<int:pk>/file/", views.offer_file, name="offer-file"),
    path("<int:pk>/export/", views.offer_export, name="offer-export"),
    path("<int:pk>/stages/", views_stages.offer_stages, name="offer-stages"),  # older links
    path("<int:pk>/stage/rows/", views_stages.offer_stage_rows, name="offer-rows"),
    path("<int:pk>/stage/approve/", views_stages.offer_stage_approve, name="offer-approve"),
    path("<int:pk>/stage/revoke/", views_stages.offer_stage_revoke, name="offer-revoke"),
    path("<int:pk>/stage/file/", views_stages.offer_stage_file, name="offer-stagefile"),
    path("<int:pk>/stage/upload/", views_stages.offer_stage_upload, name="offer-stageupload"),
    path("<int:pk>/complete/", views_stages.offer_complete, name="offer-complete"),
    # Linking an order (the order page's Bulk Buy panel posts here).
    path("orders/<int:order_id>/link/", views_links.order_link, name="order-link"),
    path(
        "orders/<int:order_id>/link/check/", views_links.order_link_check, name="order-link-check"
    ),
]
