from django.urls import path

from ops import views

app_name = "ops"

urlpatterns = [
    path("", views.operations, name="operations"),
    path("runs/<int:pk>/requeue/", views.sync_run_requeue, name="run-requeue"),
    path(
        "acknowledgements/<int:pk>/requeue/",
        views.outbox_requeue,
        {"kind": "acknowledgement"},
        name="acknowledgement-requeue",
    ),
    path("asns/<int:pk>/requeue/", views.outbox_requeue, {"kind": "asn"}, name="asn-requeue"),
    path(
        "invoices/<int:pk>/requeue/",
        views.outbox_requeue,
        {"kind": "invoice"},
        name="invoice-requeue",
    ),
]
