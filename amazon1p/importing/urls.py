"""Routes of the sync-runs pages (amazon1p.importing.views), included by amazon1p.urls."""

from django.urls import path, re_path

from amazon1p.importing import views

urlpatterns = [
    path("sync-runs/", views.sync_run_list_view, name="sync-run-list"),
    # `sync-runs/run/` is the latest run; `sync-runs/run/<id>/` one run.
    re_path(
        r"^sync-runs/run/(?:(?P<run_id>[0-9]+)/)?$",
        views.sync_run_detail_view,
        name="sync-run-detail",
    ),
    path("sync-runs/sync-now/", views.sync_now_view, name="sync-now"),
    path("sync-runs/import-history/", views.import_history_view, name="import-history"),
]
