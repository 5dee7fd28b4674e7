"""The vendor cockpit: Amazon's operational metrics from the roll-ups, with drill-down."""

import csv
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from bulkbuy.pipeline import offers_pipeline
from cockpit import selectors
from cockpit.charts import GridLinks, cockpit_charts, product_links
from cockpit.exports import EXPORTS
from core.spreadsheet import csv_cell
from shops.access import shop_for_user
from shops.permissions import Perm

PERIODS = selectors.PERIODS


def _params(request: HttpRequest) -> tuple[str, str | None]:
    period = request.GET.get("period", "week")
    if period not in PERIODS:
        period = "week"
    fc = request.GET.get("fc")
    return period, (None if fc is None or fc == "" else ("" if fc == "-" else fc[:10]))


@login_required
@require_GET
def cockpit_dashboard(request: HttpRequest, shop_id: int) -> HttpResponse:
    shop = shop_for_user(request, shop_id, Perm.SHOP_VIEW)
    period, fc = _params(request)
    today = timezone.localdate()
    date_from = selectors.period_starts(today=today, period=period, count=PERIODS[period])[0]
    # Read once for the charts and the FC table: weeks from the weekly rows (a few dozen),
    # days from the daily ones.
    if period == "week":
        rows = selectors.weekly_rows(shop=shop, week_from=date_from, week_to=today)
    else:
        rows = selectors.daily_rows(shop=shop, date_from=date_from, date_to=today)
    periods = selectors.cockpit_periods(
        shop=shop, today=today, period=period, count=PERIODS[period], fc=fc, rows=rows
    )
    fcs = selectors.cockpit_fcs(shop=shop, date_from=date_from, date_to=today, rows=rows)
    # Products over the last four weeks at most: the page shows the top 25, and a quarter's
    # product rows (thousands a day) would cost the page more than all the rest; the CSV
    # export has the whole range.
    products_from = max(date_from, today - timedelta(days=27))
    links = GridLinks(shop)
    charts = cockpit_charts(links, periods, fc)
    context = {
        "shop": shop,
        "period": period,
        "fc": fc,
        "date_from": date_from,
        "today": today,
        "charts": charts,
        "chart_data": [c.as_json() for c in charts],
        "periods": periods,
        "fcs": [
            (
                b,
                links.url(b, b.key, "ack_late"),
                links.url(b, b.key, "not_filled"),
                links.url(b, b.key, "received_not_shipped"),
            )
            for b in fcs
        ],
        "products": product_links(
            links,
            selectors.cockpit_products(shop=shop, date_from=products_from, date_to=today),
            products_from,
            today,
        ),
        "products_from": products_from,
        "sync": selectors.cockpit_sync_health(shop=shop, today=today),
        "pipeline": offers_pipeline(shop=shop),
        "offers": selectors.cockpit_offers(shop=shop),
    }
    return render(request, "cockpit/cockpit.html", context)


@login_required
@require_GET
def cockpit_export(request: HttpRequest, shop_id: int) -> HttpResponse:
    """One metric table as CSV; formula-like cells are written as text."""
    shop = shop_for_user(request, shop_id, Perm.SHOP_VIEW)
    table = request.GET.get("table", "")
    if table not in EXPORTS:
        raise Http404("No such table.")
    period, fc = _params(request)
    header, rows = EXPORTS[table](shop, timezone.localdate(), period, PERIODS[period], fc)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"cockpit-{table}-{shop.pk}-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell("" if v is None else v) for v in row])
    return response
