"""Routes of the sync-runs pages (amazon1p.views_sync), included by amazon1p.urls."""

urlpatterns: list = []
