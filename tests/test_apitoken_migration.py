"""ApiToken moved from amazon1p to shops without touching its table: tokens made before the
move still authenticate, keep their pick imports, and audit entries still name them."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection as db
from django.db.migrations.executor import MigrationExecutor

from amazon1p.picks.models import PickImport
from shops.models import ApiToken
from shops.tokens import api_token_authenticate, api_token_create

pytestmark = pytest.mark.django_db

BEFORE = [("amazon1p", "0013_map_partially_received"), ("shops", "0004_alert_groups")]


def test_tokens_made_before_the_move_work_after_it(shop):
    with db.cursor() as cursor:  # the shop's rows' deferred checks, before any ALTER TABLE
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(db)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    token = old.get_model("amazon1p", "ApiToken").objects.create(
        shop_id=shop.pk,
        name="WMS",
        token_hash="0" * 64,
        hint="sct_abc",
    )
    old.get_model("amazon1p", "PickImport").objects.create(
        shop_id=shop.pk, source="api", sha256="1" * 64, status="failed", api_token_id=token.pk
    )
    old_type = old.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="amazon1p", model="apitoken"
    )[0]
    with db.cursor() as cursor:  # deferred constraint checks now, before the schema moves on
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    executor = MigrationExecutor(db)
    executor.migrate(executor.loader.graph.leaf_nodes())

    moved = ApiToken.objects.get(pk=token.pk)
    assert (moved.shop_id, moved.name, moved.hint) == (shop.pk, "WMS", "sct_abc")
    assert PickImport.objects.get(api_token=moved).shop_id == shop.pk
    assert ContentType.objects.get_for_model(ApiToken).pk == old_type.pk


def test_a_new_token_authenticates(shop, admin_user):
    token, raw = api_token_create(actor=admin_user, shop=shop, name="WMS")
    assert api_token_authenticate(raw) == token
    assert ApiToken._meta.db_table == "amazon1p_apitoken"
