from django.urls import path

from receiving import views

app_name = "receiving"

urlpatterns = [
    path("", views.reconciliation_list, name="reconciliation-list"),
    path("export.csv", views.reconciliation_export, name="reconciliation-export"),
    path("groups/<int:pk>/", views.group_reconciliation_page, name="group-reconciliation"),
]
