"""The demo command and the ops health endpoint."""

from django.core.management import call_command
from django.urls import reverse

from orders.models import Channel, Order
from shops.demo import DEMO_SHOP_NAME
from shops.models import Membership, Shop


def test_demo_builds_a_usable_shop_and_can_run_twice(db, client):
    call_command("demo", orders=30)
    call_command("demo", orders=30)

    shop = Shop.objects.get(name=DEMO_SHOP_NAME)
    assert Order.objects.filter(shop=shop).count() == 30
    assert Order.objects.filter(shop=shop, channel=Channel.AMAZON_1P).exists()
    assert shop.has_single_field_contact_info
    assert Membership.objects.filter(shop=shop).count() == 2
    # Through the sign-in page: django-axes checks every password sign-in against a request.
    response = client.post(reverse("login"), {"username": "admin", "password": "admin"})
    assert response.status_code == 302
    response = client.get(reverse("orders:order-list", args=[shop.pk]))
    assert response.status_code == 200
    assert len(response.context["page"].orders) == 30


def test_healthz_reports_database_and_cache(db, client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_demo_connected_to_the_simulator_imports_amazon_pos(db, django_capture_on_commit_callbacks):
    from amazon1p.importing.sync import sync_run_execute
    from amazon1p.models import AmazonConnection, SyncRun, SyncStatus
    from amazon1p.spapi.simulator import SimulatorConfig, start_simulator

    with start_simulator(SimulatorConfig(seed=7, rate_limits=False)) as sim:
        with django_capture_on_commit_callbacks(execute=False):
            call_command("demo", orders=10, simulator_url=sim.base_url)
            call_command("demo", orders=10, simulator_url=sim.base_url)  # idempotent
        shop = Shop.objects.get(name=DEMO_SHOP_NAME)
        connection = AmazonConnection.objects.get(shop=shop)
        assert connection.enabled and connection.custom_base_url == sim.base_url
        run = SyncRun.objects.get(shop=shop)
        assert run.status == SyncStatus.QUEUED

        sync_run_execute(run_id=run.pk)

    run.refresh_from_db()
    assert run.status == SyncStatus.SUCCEEDED, run.error
    assert Order.objects.filter(shop=shop, channel=Channel.AMAZON_1P).count() == run.new_count > 0
    assert not Order.objects.filter(
        shop=shop, channel=Channel.AMAZON_1P, number__startswith="PO8"
    ).exists()  # no fake samples

    # Staff can acknowledge the New POs from the order page.
    from amazon1p.acknowledgements.services import acknowledgement_blocker

    connection.refresh_from_db()
    new = Order.objects.filter(shop=shop, amazon_po__state="New").first()
    assert connection.acknowledge_orders and acknowledgement_blocker(new, connection) == ""
