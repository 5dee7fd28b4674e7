from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    """Invoices and credit notes to Amazon for what was shipped or received."""

    name = "invoicing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The reconciliation (receiving, below us) shows what our invoice lines billed.
        from invoicing.selectors import invoiced_and_credited, rows_on_an_invoice
        from orders.catalogue import rows_keeping_tariff
        from receiving.selectors import invoiced_sources
        from receiving.views import group_actions

        invoiced_sources.append(invoiced_and_credited)
        group_actions.append("invoicing/_group_invoice_action.html")
        # A product's new VAT category never re-rates a row an invoice bills.
        if rows_on_an_invoice not in rows_keeping_tariff:
            rows_keeping_tariff.append(rows_on_an_invoice)
