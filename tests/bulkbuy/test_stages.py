"""Approval stages of an offer: Commerce → Manufacture → Warehouse → Complete."""

import io
from typing import cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from bulkbuy.models import Offer, OfferEvent, OfferEventAction, OfferStatus
from bulkbuy.stages import (
    StageError,
    StaleOfferError,
    offer_commerce_decide,
    offer_complete,
    offer_event_summary,
    offer_quantities_set,
    offer_stage_approve,
    offer_stage_file,
    offer_stage_file_upload,
    offer_stage_revoke,
)
from shops.models import AuditEntry
from tests.support.domain_helpers import offer_changed_rows
from tests.support.factories import UserFactory, add_member
from tests.support.offers import fresh, make_offer, rows, to_manufacture
from tests.support.web import web_client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def offer(shop, admin_user):
    return make_offer(shop, admin_user, rows=3)


@pytest.fixture
def commerce(shop):
    user = UserFactory(username="commerce")
    add_member(shop, user, "Commerce")
    return user


@pytest.fixture
def manufacture(shop):
    user = UserFactory(username="manufacture")
    add_member(shop, user, "Manufacture")
    return user


@pytest.fixture
def warehouse(shop):
    user = UserFactory(username="warehouse")
    add_member(shop, user, "Warehouse")
    return user


def fill(offer, user, stage, qty) -> Offer:
    return offer_quantities_set(
        actor=user,
        offer_id=offer.pk,
        stage=stage,
        revision=fresh(offer).revision,
        quantities={r.pk: (qty, None) for r in rows(offer)},
    )


def to_warehouse(offer, user) -> Offer:
    offer = fill(to_manufacture(offer, user), user, "manufacture", 80)
    return offer_stage_approve(
        actor=user, offer_id=offer.pk, stage="manufacture", revision=offer.revision
    )


def stage_url(name, offer):
    return reverse(f"bulkbuy:{name}", args=[offer.shop_id, offer.pk])


# --- Commerce -----------------------------------------------------------------------------


def test_commerce_approve_pending_keeps_decided_rows_and_approve_all_overrides(offer, commerce):
    _, second, _ = rows(offer)
    offer_commerce_decide(
        actor=commerce, offer_id=offer.pk, revision=1, decisions={second.pk: False}
    )

    offer_commerce_decide(actor=commerce, offer_id=offer.pk, revision=2, approve="pending")
    assert [r.approved for r in rows(offer)] == [True, False, True]

    offer_commerce_decide(actor=commerce, offer_id=offer.pk, revision=3, approve="all")
    assert [r.approved for r in rows(offer)] == [True, True, True]
    assert fresh(offer).revision == 4


def test_commerce_cannot_approve_stage_with_pending_rows(offer, commerce):
    first = rows(offer)[0]
    offer_commerce_decide(actor=commerce, offer_id=offer.pk, revision=1, decisions={first.pk: True})

    with pytest.raises(StageError, match="2 rows still pending"):
        offer_stage_approve(actor=commerce, offer_id=offer.pk, stage="commerce", revision=2)
    assert fresh(offer).status == OfferStatus.DRAFT


def test_commerce_page_posts_decisions_and_approves(offer, commerce):
    client = web_client_for(commerce)
    first, second, third = rows(offer)
    data = {"revision": 1, "stage": "commerce", "row": [first.pk, second.pk, third.pk]}
    data |= {f"decision-{first.pk}": "yes", f"decision-{second.pk}": "no"}
    data[f"decision-{third.pk}"] = "yes"

    response = client.post(stage_url("offer-rows", offer), data)
    assert response.status_code == 302
    assert [r.approved for r in rows(offer)] == [True, False, True]

    response = client.post(stage_url("offer-approve", offer), {"revision": 2, "stage": "commerce"})
    assert fresh(offer).status == OfferStatus.MANUFACTURE
    # Commerce does not hold Manufacture: back to the plain page, not "?as=commerce".
    assert response["Location"] == stage_url("offer-stages", offer)
    page = client.get(stage_url("offer-stages", offer))
    assert page.status_code == 200 and "Revoke Commerce approval" in page.content.decode()


def test_approving_a_stage_goes_on_to_the_next_stage_for_whoever_holds_it(offer, shop):
    user = UserFactory(username="both")
    add_member(shop, user, "Commerce", "Manufacture")
    client = web_client_for(user)
    page = stage_url("offer-stages", offer)

    # A refused approval stays with the stage acted as, so its message sits by its controls.
    response = client.post(stage_url("offer-approve", offer), {"revision": 1, "stage": "commerce"})
    assert response["Location"] == f"{page}?as=commerce"
    response = client.post(
        stage_url("offer-rows", offer), {"revision": 1, "stage": "commerce", "approve": "all"}
    )
    assert response["Location"] == f"{page}?as=commerce"

    response = client.post(stage_url("offer-approve", offer), {"revision": 2, "stage": "commerce"})
    assert response["Location"] == f"{page}?as=manufacture"
    content = client.get(response["Location"]).content.decode()
    assert "<strong>Manufacture</strong>" in content and "Approve Manufacture stage" in content

    # The next stage (Warehouse) is not this user's: the plain page.
    offer = fill(offer, user, "manufacture", 10)
    response = client.post(
        stage_url("offer-approve", offer), {"revision": offer.revision, "stage": "manufacture"}
    )
    assert fresh(offer).status == OfferStatus.WAREHOUSE
    assert response["Location"] == page


def test_stage_steps_need_the_stage_permission(offer, manufacture, viewer_user):
    # Manufacture may not act as Commerce; a viewer may not act as any stage
    for user in (manufacture, viewer_user):
        response = web_client_for(user).post(
            stage_url("offer-rows", offer),
            {"revision": 1, "stage": "commerce", "approve": "all"},
        )
        assert response.status_code == 403
    response = web_client_for(viewer_user).get(
        stage_url("offer-stagefile", offer) + "?as=warehouse"
    )
    assert response.status_code == 403
    response = web_client_for(manufacture).post(stage_url("offer-complete", offer), {"revision": 1})
    assert response.status_code == 403
    assert all(r.approved is None for r in rows(offer))


def test_stale_form_is_refused(offer, commerce, admin_user):
    offer_commerce_decide(actor=admin_user, offer_id=offer.pk, revision=1, approve="all")

    response = web_client_for(commerce).post(
        stage_url("offer-rows", offer),
        {"revision": 1, "stage": "commerce", "approve": "pending"},
        follow=True,
    )
    assert "Someone changed the offer" in response.content.decode()
    assert fresh(offer).revision == 2
    with pytest.raises(StaleOfferError):
        offer_stage_approve(actor=commerce, offer_id=offer.pk, stage="commerce", revision=1)


# --- Manufacture and Warehouse ------------------------------------------------------------


def test_quantities_are_validated_and_nothing_saved_on_a_problem(offer, admin_user):
    offer = to_manufacture(offer, admin_user)
    first, second, _ = rows(offer)

    with pytest.raises(StageError, match="more than the offer's 100"):
        offer_quantities_set(
            actor=admin_user,
            offer_id=offer.pk,
            stage="manufacture",
            revision=offer.revision,
            quantities={first.pk: (50, None), second.pk: (101, None)},
        )
    with pytest.raises(StageError, match="no delivery stage 2"):
        offer_quantities_set(
            actor=admin_user,
            offer_id=offer.pk,
            stage="manufacture",
            revision=offer.revision,
            quantities={first.pk: (50, 5)},
        )
    with pytest.raises(StageError, match="not in the offer"):
        offer_quantities_set(
            actor=admin_user,
            offer_id=offer.pk,
            stage="manufacture",
            revision=offer.revision,
            quantities={999_999: (1, None)},
        )
    assert [r.manufacture_qty1 for r in rows(offer)] == [None, None, None]


def test_manufacture_zero_is_none_and_blank_is_pending(offer, admin_user):
    offer = to_manufacture(offer, admin_user)
    first, second, third = rows(offer)
    offer = offer_quantities_set(
        actor=admin_user,
        offer_id=offer.pk,
        stage="manufacture",
        revision=offer.revision,
        quantities={first.pk: (0, None), second.pk: (100, None), third.pk: (None, None)},
    )
    with pytest.raises(StageError, match="1 row still pending"):
        offer_stage_approve(
            actor=admin_user, offer_id=offer.pk, stage="manufacture", revision=offer.revision
        )

    offer = offer_quantities_set(
        actor=admin_user,
        offer_id=offer.pk,
        stage="manufacture",
        revision=offer.revision,
        quantities={third.pk: (7, None)},
    )
    offer = offer_stage_approve(
        actor=admin_user, offer_id=offer.pk, stage="manufacture", revision=offer.revision
    )
    assert fresh(offer).status == OfferStatus.WAREHOUSE
    assert [r.manufacture_qty1 for r in rows(offer)] == [0, 100, 7]


def test_warehouse_may_not_exceed_manufacture(offer, admin_user):
    offer = to_warehouse(offer, admin_user)
    with pytest.raises(StageError, match="more than Manufacture's 80"):
        fill(offer, admin_user, "warehouse", 90)
    fill(offer, admin_user, "warehouse", 80)
    assert [r.warehouse_qty1 for r in rows(offer)] == [80, 80, 80]


def test_rows_commerce_declined_need_no_quantities(offer, admin_user):
    first = rows(offer)[0]
    offer = offer_commerce_decide(
        actor=admin_user, offer_id=offer.pk, revision=1, decisions={first.pk: False}
    )
    offer = offer_commerce_decide(
        actor=admin_user, offer_id=offer.pk, revision=offer.revision, approve="pending"
    )
    offer = offer_stage_approve(
        actor=admin_user, offer_id=offer.pk, stage="commerce", revision=offer.revision
    )
    with pytest.raises(StageError, match="did not approve"):
        offer_quantities_set(
            actor=admin_user,
            offer_id=offer.pk,
            stage="manufacture",
            revision=offer.revision,
            quantities={first.pk: (1, None)},
        )
    others = {r.pk: (5, None) for r in rows(offer)[1:]}
    offer = offer_quantities_set(
        actor=admin_user,
        offer_id=offer.pk,
        stage="manufacture",
        revision=offer.revision,
        quantities=others,
    )
    offer_stage_approve(
        actor=admin_user, offer_id=offer.pk, stage="manufacture", revision=offer.revision
    )
    assert fresh(offer).status == OfferStatus.WAREHOUSE


# --- Revoke and highlights ----------------------------------------------------------------


def test_revoke_by_commerce_returns_the_offer_and_highlights_changes_for_manufacture(
    offer, admin_user, commerce, manufacture
):
    offer = to_manufacture(offer, commerce)
    offer = fill(offer, manufacture, "manufacture", 50)  # Manufacture's look: this revision
    assert not offer_changed_rows(offer=offer, stage="manufacture").exists()

    offer = offer_stage_revoke(
        actor=commerce, offer_id=offer.pk, stage="commerce", revision=offer.revision
    )
    assert fresh(offer).status == OfferStatus.COMMERCE
    second = rows(offer)[1]
    offer = offer_commerce_decide(
        actor=commerce, offer_id=offer.pk, revision=offer.revision, decisions={second.pk: False}
    )
    offer = offer_stage_approve(
        actor=commerce, offer_id=offer.pk, stage="commerce", revision=offer.revision
    )

    assert list(offer_changed_rows(offer=offer, stage="manufacture")) == [second]
    page = web_client_for(manufacture).get(stage_url("offer-stages", offer))
    assert page.content.decode().count('class="changed"') == 1
    with pytest.raises(StageError, match="has not approved"):
        offer_stage_revoke(
            actor=manufacture, offer_id=offer.pk, stage="manufacture", revision=offer.revision
        )


def test_later_stage_cannot_revoke_through_the_page_without_permission(
    offer, commerce, manufacture
):
    offer = to_manufacture(offer, commerce)
    response = web_client_for(manufacture).post(
        stage_url("offer-revoke", offer),
        {"revision": offer.revision, "stage": "commerce"},
    )
    assert response.status_code == 403
    assert fresh(offer).status == OfferStatus.MANUFACTURE


# --- Stage files --------------------------------------------------------------------------


def _filled(content: bytes, qty: int) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    sheet = cast(Worksheet, workbook.active)
    for row in sheet.iter_rows(min_row=6):
        row[8].value = qty
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_current_stage_file_is_applied_and_outdated_one_refused(offer, admin_user, manufacture):
    offer = to_manufacture(offer, admin_user)
    page = web_client_for(manufacture).get(stage_url("offer-stages", offer)).content.decode()
    assert '<label for="stage-file">Manufacture stage file (.xlsx)</label>' in page
    assert 'id="stage-file"' in page
    response = web_client_for(manufacture).get(
        stage_url("offer-stagefile", offer) + "?as=manufacture"
    )
    assert response.status_code == 200
    old = _filled(response.content, 30)
    _, current = offer_stage_file(offer=fresh(offer), stage="manufacture")

    offer = offer_stage_file_upload(
        actor=manufacture, offer_id=offer.pk, stage="manufacture", content=_filled(current, 40)
    )
    assert [r.manufacture_qty1 for r in rows(offer)] == [40, 40, 40]

    response = web_client_for(manufacture).post(
        stage_url("offer-stageupload", offer),
        {"stage": "manufacture", "file": SimpleUploadedFile("m.xlsx", old)},
        follow=True,
    )
    assert "outdated" in response.content.decode()
    assert [r.manufacture_qty1 for r in rows(offer)] == [40, 40, 40]
    event = OfferEvent.objects.filter(offer=offer, action=OfferEventAction.UPLOAD).get()
    assert event.user == manufacture and event.changes["count"] == 3


def test_stage_file_of_another_stage_is_refused(offer, admin_user):
    offer = to_manufacture(offer, admin_user)
    _, content = offer_stage_file(offer=fresh(offer), stage="warehouse")
    with pytest.raises(StageError, match="another offer or stage"):
        offer_stage_file_upload(
            actor=admin_user, offer_id=offer.pk, stage="manufacture", content=content
        )


# --- Complete and history -----------------------------------------------------------------


def test_complete_locks_the_offer(offer, admin_user, warehouse):
    offer = to_warehouse(offer, admin_user)
    with pytest.raises(StageError, match="still pending"):
        offer_complete(actor=warehouse, offer_id=offer.pk, revision=offer.revision)
    offer = fill(offer, warehouse, "warehouse", 60)

    response = web_client_for(warehouse).post(
        stage_url("offer-complete", offer), {"revision": offer.revision}
    )
    assert response.status_code == 302
    offer = fresh(offer)
    assert offer.status == OfferStatus.COMPLETED
    with pytest.raises(StageError, match="locked"):
        fill(offer, admin_user, "warehouse", 10)
    with pytest.raises(StageError, match="locked"):
        offer_stage_revoke(
            actor=admin_user, offer_id=offer.pk, stage="commerce", revision=offer.revision
        )
    page = web_client_for(warehouse).get(stage_url("offer-stages", offer)).content.decode()
    assert "The offer is locked" in page and "Complete offer" not in page


def test_every_step_is_in_the_history_and_the_audit_log(offer, admin_user):
    offer = to_warehouse(offer, admin_user)
    offer = fill(offer, admin_user, "warehouse", 10)
    offer_complete(actor=admin_user, offer_id=offer.pk, revision=offer.revision)

    events = list(OfferEvent.objects.filter(offer=offer).order_by("at", "id"))
    assert [(e.stage, e.action) for e in events] == [
        ("", "import"),
        ("commerce", "decide"),
        ("commerce", "approve"),
        ("manufacture", "quantities"),
        ("manufacture", "approve"),
        ("warehouse", "quantities"),
        ("warehouse", "complete"),
    ]
    assert all(e.user == admin_user for e in events)
    # Stored as recorded (our names, raw values); the page words them.
    assert events[3].changes["rows"]["2"] == {"manufacture_qty1": [None, 80]}
    assert events[2].changes["status"] == ["draft", "manufacture"]
    actions = set(AuditEntry.objects.filter(shop=offer.shop).values_list("action", flat=True))
    assert {"offer.decide", "offer.approve", "offer.quantities", "offer.complete"} <= actions
    page = web_client_for(admin_user).get(stage_url("offer-stages", offer)).content.decode()
    assert 'id="offer-history"' in page and "Offer completed" in page
    assert "Offer imported" in page and "File OFFER-123.xlsx. 3 rows" in page
    assert "row 2 (Manufacture qty stage 1 pending → 80)" in page
    assert "Draft → Manufacture" in page and "Warehouse → Completed" in page
    assert "manufacture_qty1" not in page and "→ False" not in page


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"file": "BBO-1.xlsx", "count": 3}, "File BBO-1.xlsx. 3 rows"),
        (
            {"count": 1, "rows": {"5": {"approved": [None, False]}}},
            "1 row: row 5 (Approved pending → No)",
        ),
        (
            {"approve": "pending", "count": 2, "rows": {"6": {"approved": [False, True]}}},
            "Approve pending. 2 rows: row 6 (Approved No → Yes); …",
        ),
        (
            # jsonb keeps keys by length, not as written: rows come back in number order.
            {
                "file": "w.xlsx",
                "count": 2,
                "rows": {
                    "10": {"warehouse_qty1": [None, 55]},
                    "9": {"warehouse_qty1": [60, 0], "warehouse_qty2": [50, None]},
                },
            },
            "File w.xlsx. 2 rows: row 9 (Warehouse qty stage 1 60 → 0, "
            "Warehouse qty stage 2 50 → pending); row 10 (Warehouse qty stage 1 pending → 55)",
        ),
        ({"status": ["draft", "manufacture"]}, "Draft → Manufacture"),
        ({"status": ["warehouse", "commerce"]}, "Warehouse → Commerce"),
        ({"count": 0}, "0 rows"),
        # Names the page does not know (yet) show as stored rather than disappearing.
        ({"status": ["warehouse", "archived"]}, "Warehouse → archived"),
        (
            {"count": 1, "rows": {"4": {"colour": ["red", "blue"]}}},
            "1 row: row 4 (colour red → blue)",
        ),
        ({}, ""),
    ],
)
def test_history_words_each_change(changes, expected):
    assert offer_event_summary(OfferEvent(changes=changes)) == expected


def test_user_holding_several_stages_chooses_which_to_act_as(offer, admin_user):
    page = web_client_for(admin_user).get(stage_url("offer-stages", offer) + "?as=manufacture")
    content = page.content.decode()
    assert "Act as:" in content
    assert "<strong>Manufacture</strong>" in content
    assert "Approve Manufacture stage" not in content  # the offer waits for Commerce


def _stage_file_rows(content: bytes) -> list[dict]:
    sheet = cast(Worksheet, load_workbook(io.BytesIO(content)).active)
    lines = list(sheet.iter_rows(min_row=5, values_only=True))
    return [dict(zip(lines[0], line, strict=False)) for line in lines[1:]]


def test_stage_files_show_the_quantities_approved_so_far(offer, admin_user):
    offer = to_manufacture(offer, admin_user)
    _, content = offer_stage_file(offer=fresh(offer), stage="manufacture")
    offered = {r.row_number: r.stage1_qty for r in rows(offer)}
    assert [(r["Row"], r["Approved qty 1"]) for r in _stage_file_rows(content)] == list(
        offered.items()
    )

    offer = offer_stage_approve(
        actor=admin_user,
        offer_id=offer.pk,
        stage="manufacture",
        revision=fill(offer, admin_user, "manufacture", 80).revision,
    )
    _, content = offer_stage_file(offer=fresh(offer), stage="warehouse")
    assert {r["Approved qty 1"] for r in _stage_file_rows(content)} == {80}


def test_offer_header_shows_the_value_of_the_approved_quantities(offer, admin_user):
    client = web_client_for(admin_user)
    unit_costs = [r.unit_cost for r in rows(offer)]

    def header_values() -> tuple[str, str]:
        page = client.get(stage_url("offer-detail", offer)).content.decode()
        offered = page.split("Offered value</div><h1>")[1].split("</h1>")[0]
        approved = page.split('data-testid="offer-approved-value">')[1].split("</strong>")[0]
        return offered, approved

    offered, approved = header_values()
    assert offered == approved  # nothing cut yet
    offer = to_warehouse(offer, admin_user)  # Manufacture: 80 of each row
    assert header_values() == (offered, f"{sum(c * 80 for c in unit_costs):,.2f} EUR")
    offer = fill(offer, admin_user, "warehouse", 60)
    assert header_values() == (offered, f"{sum(c * 60 for c in unit_costs):,.2f} EUR")
    assert offered == f"{fresh(offer).value:,.2f} EUR"
