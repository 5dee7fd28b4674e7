"""What Bulk Buy adds to lower apps' pages (registered in bulkbuy/apps.py): the order page's
Bulk Buy panel (orders/panels.py) and the offers pipeline on the shop dashboard
(shops/dashboard.py)."""

from django.http import HttpRequest

from bulkbuy.pipeline import Pipeline, offers_pipeline
from bulkbuy.views_links import order_bulk_buy_context
from orders.panels import OrderPage
from shops.models import Shop


def order_page_bulk_buy(page: OrderPage) -> dict | None:
    return order_bulk_buy_context(page.request, page.order)


def dashboard_offers_pipeline(request: HttpRequest, shop: Shop) -> Pipeline:
    return offers_pipeline(shop=shop)
