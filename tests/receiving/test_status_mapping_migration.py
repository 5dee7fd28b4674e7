"""The data migration gives existing connections a "Partially received" mapping like their
"Acknowledged" one."""

import pytest
from django.db import connection as db
from django.db.migrations.executor import MigrationExecutor

from amazon1p.connection.models import StatusMapping
from shops.models import OrderStatus, PaymentStatus

pytestmark = pytest.mark.django_db

BEFORE = [("amazon1p", "0012_shortage_grace_days_and_partially_received")]
AFTER = [("amazon1p", "0013_map_partially_received")]


def test_existing_connections_map_partially_received_like_acknowledged(shop):
    with db.cursor() as cursor:  # the shop's rows' deferred checks, before any ALTER TABLE
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(db)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    connection = old.get_model("amazon1p", "AmazonConnection").objects.create(shop_id=shop.pk)
    acknowledged = OrderStatus.objects.get(shop=shop, name="Acknowledged")
    unpaid = PaymentStatus.objects.get(shop=shop, name="Unpaid")
    old.get_model("amazon1p", "StatusMapping").objects.create(
        connection_id=connection.pk,
        amazon_status="acknowledged",
        main_status_id=acknowledged.pk,
        payment_status_id=unpaid.pk,
    )
    with db.cursor() as cursor:  # see test_amazon_connection_security: deferred checks now
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    executor = MigrationExecutor(db)
    executor.migrate(AFTER)
    with db.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(db)
    executor.migrate(executor.loader.graph.leaf_nodes())

    mapping = StatusMapping.objects.get(
        connection_id=connection.pk, amazon_status="partially_received"
    )
    assert (mapping.main_status, mapping.payment_status) == (acknowledged, unpaid)
