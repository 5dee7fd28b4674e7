"""The cockpit page, its drill-down into the orders grid, CSV exports and weekly e-mail."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from cockpit.models import WeeklySummary
from cockpit.rollup import rollup_day
from cockpit.services import weekly_summary_send
from cockpit.targets import ACK_ON_TIME_TARGET_PCT
from tests.support.cockpit import DAY, acknowledge, amazon_order
from tests.support.web import web_client_for

H = timedelta(hours=1)
TODAY = (DAY + timedelta(days=3)).date()


@pytest.fixture
def rolled_up(shop, monkeypatch):
    # The clock: the cockpit's "today" is three days after the orders.
    monkeypatch.setattr("django.utils.timezone.now", lambda: DAY + timedelta(days=3, hours=12))
    on_time = amazon_order(shop, "PO-ON", at=DAY + 8 * H)
    acknowledge(on_time, at=DAY + 9 * H, lines=[(10, 0, 0, ""), (4, 0, 0, "")])
    late = amazon_order(shop, "=cmd|'/C calc'!A0", at=DAY + 9 * H, fc="MUC3")
    acknowledge(late, at=DAY + 40 * H, lines=[(10, 0, 0, ""), (0, 0, 4, "ObsoleteProduct")])
    rollup_day(shop=shop, day=DAY.date(), now=DAY + 3 * 24 * H)
    return shop


def test_page_shows_the_week_and_links_points_to_the_grid(admin_user, rolled_up):
    response = web_client_for(admin_user).get(reverse("cockpit:dashboard", args=[rolled_up.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="cockpit-data"' in page and "<script>" not in page.replace(
        '<script id="cockpit-data" type="application/json">', ""
    )
    charts = {c["key"]: c for c in response.context["chart_data"]}
    ack = charts["ack"]
    assert ack["targets"] == [{"label": "Acknowledged on time", "value": ACK_ON_TIME_TARGET_PCT}]
    assert ack["series"][0]["values"][-1] == 50.0
    url = ack["series"][0]["urls"][-1]
    assert "metric=ack_late" in url and "date_from=2026-11-02" in url
    assert 'data-testid="chart-receiving"' in page


def test_drilldown_filters_the_grid_to_the_orders_behind_a_point(admin_user, rolled_up):
    client = web_client_for(admin_user)
    charts = client.get(reverse("cockpit:dashboard", args=[rolled_up.pk])).context["chart_data"]
    url = {c["key"]: c for c in charts}["ack"]["series"][0]["urls"][-1]
    numbers = [o.number for o in client.get(url).context["page"].orders]
    assert numbers == ["=cmd|'/C calc'!A0"]
    by_fc = reverse("orders:order-list", args=[rolled_up.pk]) + "?fc=LEJ1"
    assert [o.number for o in client.get(by_fc).context["page"].orders] == ["PO-ON"]
    refused = client.get(reverse("orders:order-list", args=[rolled_up.pk]) + "?metric=nope")
    assert refused.status_code == 400


def test_fc_filter_shows_only_that_fc(admin_user, rolled_up):
    response = web_client_for(admin_user).get(
        reverse("cockpit:dashboard", args=[rolled_up.pk]) + "?fc=MUC3&period=day"
    )
    ack = {c["key"]: c for c in response.context["chart_data"]}["ack"]
    assert ack["labels"][-1] == TODAY.isoformat()
    assert ack["series"][0]["values"][-4] == 0.0  # MUC3 on DAY: late
    assert "fc=MUC3" in ack["series"][0]["urls"][-4]


def test_csv_exports_write_formula_cells_as_text(admin_user, rolled_up):
    client = web_client_for(admin_user)
    base = reverse("cockpit:export", args=[rolled_up.pk])
    for table in ("periods", "fcs", "products", "sync", "offers"):
        response = client.get(f"{base}?table={table}")
        assert response.status_code == 200, table
        assert response["Content-Disposition"].startswith('attachment; filename="cockpit-')
    rows = list(csv.reader(io.StringIO(client.get(f"{base}?table=periods").content.decode())))
    week = rows[-1]
    assert week[rows[0].index("ack_on_time_pct")] == "50.0"
    assert week[rows[0].index("fill_rate_pct")] == ""  # nothing received yet: no figure
    products = client.get(f"{base}?table=products").content.decode()
    assert "B000000001" in products


def test_formula_like_cells_are_quoted(admin_user, rolled_up):
    from cockpit.models import DailyProduct

    DailyProduct.objects.filter(product="B000000001").update(title="=HYPERLINK(1)")
    base = reverse("cockpit:export", args=[rolled_up.pk])
    text = web_client_for(admin_user).get(f"{base}?table=products").content.decode()
    assert "'=HYPERLINK(1)" in text


def test_cockpit_page_query_budget(admin_user, rolled_up, django_assert_max_num_queries):
    """24 queries today (about half the Bulk Buy pipeline), whatever the number of orders,
    days or FCs: the page reads roll-ups only."""
    from cockpit.demo import cockpit_demo_history

    client = web_client_for(admin_user)
    url = reverse("cockpit:dashboard", args=[rolled_up.pk])
    client.get(url)
    with django_assert_max_num_queries(26):
        assert client.get(url).status_code == 200
    cockpit_demo_history(shop=rolled_up, weeks=4, per_day=3)  # more days, FCs and products
    with django_assert_max_num_queries(26):
        assert client.get(url + "?period=day").status_code == 200


def test_weekly_summary_goes_out_once(admin_user, rolled_up):
    admin_user.email = "owner@example.com"
    admin_user.save()
    assert weekly_summary_send(shop=rolled_up, week=DAY.date()) is True
    assert weekly_summary_send(shop=rolled_up, week=DAY.date()) is False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@example.com"]
    assert "Acknowledged on time: 50.0 %" in mail.outbox[0].body
    assert WeeklySummary.objects.get().recipients == 1


def test_demo_history_fills_several_weeks_and_runs_twice(admin_user, shop):
    from cockpit.demo import cockpit_demo_history
    from cockpit.models import DailyFc

    created = cockpit_demo_history(shop=shop, weeks=3, per_day=2)
    assert created == 42
    assert cockpit_demo_history(shop=shop, weeks=3, per_day=2) == 0
    weeks = {row.day.isocalendar()[1] for row in DailyFc.objects.filter(shop=shop)}
    assert len(weeks) >= 3
    response = web_client_for(admin_user).get(reverse("cockpit:dashboard", args=[shop.pk]))
    ack = {c["key"]: c for c in response.context["chart_data"]}["ack"]
    assert sum(v is not None for v in ack["series"][0]["values"]) >= 3


def test_exports_answer_viewer_other_shop_and_anonymous(
    viewer_user, other_admin, rolled_up, client
):
    url = reverse("cockpit:export", args=[rolled_up.pk]) + "?table=fcs"
    assert web_client_for(viewer_user).get(url).status_code == 200
    assert web_client_for(other_admin).get(url).status_code == 404
    assert client.get(url).status_code == 302
    assert web_client_for(viewer_user).post(url).status_code == 405


def test_page_medians_from_postgresql_match_the_definition(admin_user, rolled_up):
    """1 h and 31 h to acknowledge: the week's median is 16 h; per FC 1 h and 31 h."""
    response = web_client_for(admin_user).get(reverse("cockpit:dashboard", args=[rolled_up.pk]))
    median = {c["key"]: c for c in response.context["chart_data"]}["ack_median"]
    assert median["series"][0]["values"][-1] == 16.0
    fcs = {b.key: b.ack_median_hours for b, *_ in response.context["fcs"]}
    assert fcs == {"LEJ1": 1.0, "MUC3": 31.0}
