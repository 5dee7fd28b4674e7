"""Routes of the acknowledgement actions (amazon1p.views_ack), included by amazon1p.urls."""

from django.urls import path

from amazon1p import views_ack

urlpatterns = [
    path(
        "orders/<int:order_id>/acknowledge/accept/",
        views_ack.acknowledge_accept,
        name="acknowledge-accept",
    ),
    path(
        "orders/<int:order_id>/acknowledge/reject/",
        views_ack.acknowledge_reject,
        name="acknowledge-reject",
    ),
    path(
        "orders/<int:order_id>/acknowledge/lines/",
        views_ack.acknowledge_lines,
        name="acknowledge-lines",
    ),
    path(
        "orders/<int:order_id>/acknowledgement/",
        views_ack.acknowledgement_status,
        name="acknowledgement-status",
    ),
]
