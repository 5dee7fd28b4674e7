"""The demo command and the ops health endpoint."""

from django.core.management import call_command
from django.urls import reverse

from orders.models import Channel, Order
from shops.demo import DEMO_SHOP_NAME
from shops.models import AuditEntry, Membership, Shop
from tests.support.simulator import running_simulator


def test_demo_builds_a_usable_shop_and_can_run_twice(db, client):
    call_command("demo", orders=30, history_weeks=0)  # the cockpit's history: tests/cockpit
    call_command("demo", orders=30, history_weeks=0)

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


def test_demo_sets_up_invoicing_once_with_valid_settings(db):
    from invoicing.models import InvoiceBasis, InvoiceSettings
    from invoicing.services import invoice_number_take

    call_command("demo", orders=5, history_weeks=0)
    shop = Shop.objects.get(name=DEMO_SHOP_NAME)
    settings = InvoiceSettings.objects.get(shop=shop)
    settings.full_clean()  # what the settings page would accept
    assert settings.default_basis == InvoiceBasis.RECEIVED
    assert settings.remit_to_party_id == "VNDR1"  # the simulator's vendor code
    assert settings.legal_name and settings.tax_registration_number
    assert settings.payment_terms_days > 0
    assert invoice_number_take(shop) == "DEMO-000001"

    call_command("demo", orders=5, history_weeks=0)  # keeps the settings and the series

    again = InvoiceSettings.objects.get(shop=shop)
    assert again.pk == settings.pk and again.next_number == 2
    assert AuditEntry.objects.filter(shop=shop, action="invoice_settings.create").count() == 1


def test_healthz_reports_database_and_cache(db, client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_demo_connected_to_the_simulator_imports_amazon_pos(db, django_capture_on_commit_callbacks):
    from amazon1p.importing.sync import sync_run_execute
    from amazon1p.models import AmazonConnection, SyncRun, SyncStatus

    with running_simulator(seed=7, rate_limits=False) as sim:
        with django_capture_on_commit_callbacks(execute=False):
            call_command("demo", orders=10, history_weeks=0, simulator_url=sim.base_url)
            call_command(  # idempotent
                "demo", orders=10, history_weeks=0, simulator_url=sim.base_url
            )
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


DEMO_BROKER_SCRIPT = """
import django, json
django.setup()
from django.conf import settings
from shopctrl.celery import app

with app.connection_for_write() as conn:
    channel = conn.default_channel
    for queue in app.amqp.queues.values():  # what sending a task declares and binds
        queue(channel).declare()
    app.control.mailbox(conn).Node("demo@worker", channel=channel).listen()  # a worker's pidbox
print(json.dumps({"var": str(settings.VAR_DIR), **settings.CELERY_BROKER_TRANSPORT_OPTIONS}))
"""


def _files_outside(root, skip):
    """Path → mtime of every file under `root` but in the `skip` folders (by name)."""
    import os

    found = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip]
        for name in files:
            path = os.path.join(folder, name)
            found[path] = os.stat(path).st_mtime_ns
    return found


def test_demo_celery_broker_writes_nothing_outside_var(tmp_path):
    """The demo's file-system broker (web, worker and beat share it) keeps every file it
    writes, kombu's exchange tables included, under var/: whatever the working directory."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    root = settings.BASE_DIR
    skip = {"var", ".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache"}
    before = _files_outside(root, skip)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "CELERY_BROKER_URL", "DATABASE_URL"}
    }
    env.update(
        DJANGO_DEBUG="true",
        DJANGO_SETTINGS_MODULE="shopctrl.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONPATH=str(root),
    )

    done = subprocess.run(
        [sys.executable, "-c", DEMO_BROKER_SCRIPT],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    options = json.loads(done.stdout.strip().splitlines()[-1])
    var = options.pop("var")
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        assert os.path.commonpath([options[key], var]) == var, key
    assert {"celery.exchange", "celery.pidbox.exchange"} <= set(
        os.listdir(options["control_folder"])
    )
    assert list(cwd.iterdir()) == []
    assert _files_outside(root, skip) == before


def test_favicon_is_served_and_linked(db, admin_client, shop):
    response = admin_client.get("/favicon.ico", follow=True)

    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = admin_client.get(f"/shops/{shop.pk}/orders/").content.decode()
    assert '<link rel="icon" href="/static/shopctrl/favicon.' in page


def test_the_demo_starts_without_system_check_warnings(tmp_path):
    """`bin/demo` runs on SQLite: its start shows no warning a newcomer cannot act on."""
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    done = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout
    assert "W047" not in done.stdout + done.stderr
