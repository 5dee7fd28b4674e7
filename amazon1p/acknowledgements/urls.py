"""Routes of the acknowledgement actions (views.py), included by amazon1p.urls."""

from django.urls import path

from amazon1p.acknowledgements import views

urlpatterns = [
    path(
        "orders/<int:order_id>/acknowledge/accept/",
        views.acknowledge_accept,
        name="acknowledge-accept",
    ),
    path(
        "orders/<int:order_id>/acknowledge/reject/",
        views.acknowledge_reject,
        name="acknowledge-reject",
    ),
    path(
        "orders/<int:order_id>/acknowledge/lines/",
        views.acknowledge_lines,
        name="acknowledge-lines",
    ),
    path(
        "orders/<int:order_id>/acknowledgement/",
        views.acknowledgement_status,
        name="acknowledgement-status",
    ),
]
