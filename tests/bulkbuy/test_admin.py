"""Django admin: Products, and Offers with their rows read-only and without the stored
workbook."""

import pytest
from django.urls import reverse

from tests.support.factories import UserFactory
from tests.support.offers import make_offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_offer_admin_shows_rows_read_only_and_never_the_workbook(shop, admin_user, staff_client):
    offer = make_offer(shop, admin_user, rows=2)

    listing = staff_client.get(reverse("admin:bulkbuy_offer_changelist"))
    change = staff_client.get(reverse("admin:bulkbuy_offer_change", args=[offer.pk]))

    assert listing.status_code == change.status_code == 200
    assert offer.name in listing.content.decode()
    page = change.content.decode()
    assert 'name="source_file"' not in page
    assert 'name="rows-0-unit_cost"' not in page and "10.5" in page  # shown, not editable
    assert 'name="name"' in page and 'name="status"' not in page
    assert staff_client.get(reverse("admin:bulkbuy_offer_add")).status_code == 403


def test_product_admin_lists_and_edits_products(shop, admin_user, staff_client):
    make_offer(shop, admin_user, rows=1)  # adds product 1 to the catalogue

    listing = staff_client.get(reverse("admin:orders_product_changelist"), {"q": "4000000000001"})

    assert listing.status_code == 200
    assert "Product 1" in listing.content.decode()
