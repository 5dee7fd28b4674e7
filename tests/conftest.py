"""Shared fixtures: two shops and the personas the permission tests use."""

import pytest
from django.db import connection

from tests.support.factories import ShopFactory, UserFactory, add_member, make_order
from tests.support.web import web_client_for

# Fixtures every folder may use; helpers are imported from tests/support/ directly.
pytest_plugins = [
    "tests.support.asn",
    "tests.support.browser",
    "tests.support.simulator",
    "tests.support.worker",
]


@pytest.fixture(autouse=True, scope="session")
def _require_postgresql(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        assert connection.vendor == "postgresql", (
            "Tests run on PostgreSQL: set DATABASE_URL (see README, or run `bash .ci/run`)."
        )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _custom_endpoints_allowed(settings):
    """Tests point connections at the simulator, as the demo does; tests of production
    behaviour switch it off themselves (.ci/run exports it too, for any subprocess)."""
    settings.SPAPI_ALLOW_CUSTOM_ENDPOINTS = True


@pytest.fixture(autouse=True)
def _mfa_not_required_by_default(settings):
    """Most tests sign in with `force_login`; tests of two-factor sign-in turn it on."""
    settings.MFA_REQUIRED = False


def grant_shop_creation(user):
    from django.contrib.auth.models import Permission

    user.user_permissions.add(Permission.objects.get(codename="add_shop"))
    return user


@pytest.fixture
def admin_user(db):
    return grant_shop_creation(UserFactory(username="owner"))


@pytest.fixture
def shop(admin_user):
    return ShopFactory(owner=admin_user, name="Acme Kitchen")


@pytest.fixture
def viewer_user(shop):
    user = UserFactory(username="viewer")
    add_member(shop, user, "Viewer")
    return user


@pytest.fixture
def other_admin(db):
    return grant_shop_creation(UserFactory(username="other-owner"))


@pytest.fixture
def other_shop(other_admin):
    return ShopFactory(owner=other_admin, name="Other Shop")


@pytest.fixture
def order(shop):
    return make_order(shop, "PO1000")


@pytest.fixture
def other_order(other_shop):
    return make_order(other_shop, "PO9000")


@pytest.fixture
def admin_client(admin_user):
    return web_client_for(admin_user)


@pytest.fixture
def viewer_client(viewer_user):
    return web_client_for(viewer_user)


@pytest.fixture
def other_client(other_admin, other_shop):
    return web_client_for(other_admin)
