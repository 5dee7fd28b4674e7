from django.urls import path

from invoicing import views

app_name = "invoicing"

urlpatterns = [
    path("", views.invoice_list, name="invoice-list"),
    path("settings/", views.invoice_settings_page, name="settings"),
    path("from-orders/", views.invoice_from_orders, name="invoice-from-orders"),
    path("from-group/<int:pk>/", views.invoice_from_group, name="group-invoice"),
    path("<int:pk>/", views.invoice_detail, name="invoice-detail"),
    path("<int:pk>/send/", views.invoice_send_view, name="invoice-send"),
    path("<int:pk>/lines/<int:line_id>/", views.invoice_line_edit, name="invoice-line"),
    path("<int:pk>/adjustments/", views.invoice_adjustment_new, name="invoice-adjustment-add"),
    path(
        "<int:pk>/adjustments/<int:adjustment_id>/remove/",
        views.invoice_adjustment_delete,
        name="invoice-adjustment-remove",
    ),
    path("<int:pk>/credit-note/", views.credit_note_new, name="invoice-credit"),
    path("<int:pk>/pdf/", views.invoice_pdf_view, name="invoice-pdf"),
]
