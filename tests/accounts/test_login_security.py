"""Lockout after failed sign-ins (per user name and per address) with a cool-off, password
rules, the password-change page, idle session expiry and the settings behind them."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import LAST_SEEN_SESSION_KEY
from shops.models import SecurityEvent, SecurityEventKind
from tests.support.accounts import PASSWORD, password_login
from tests.support.factories import UserFactory


@pytest.fixture
def lockout(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def test_lockout_after_the_configured_failures_is_shown_and_logged(lockout, admin_user):
    client = Client()
    answers = [password_login(client, "owner", "wrong-password") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    page = answers[-1].content.decode()
    assert "Sign-in locked" in page and "15 minutes" in page
    # Even the right password is refused while locked out.
    refused = password_login(client, "owner", PASSWORD)
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    events = SecurityEvent.objects.filter(username="owner")
    assert events.filter(kind=SecurityEventKind.LOGIN_FAILED).count() == 4
    lockouts = events.filter(kind=SecurityEventKind.LOCKOUT)
    assert lockouts.count() == 1 and lockouts.get().user == admin_user
    assert (
        events.filter(kind=SecurityEventKind.LOGIN_FAILED).latest("id").detail.startswith("refused")
    )


def test_lockout_per_address_covers_other_user_names(lockout, admin_user, viewer_user):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for name in ("ghost-1", "ghost-2", "ghost-3"):
        password_login(client, name, "wrong-password")

    assert password_login(client, viewer_user.username, PASSWORD).status_code == 429
    # From another address the account itself is not locked.
    assert password_login(Client(REMOTE_ADDR="198.51.100.4"), "viewer").status_code == 302


def test_lockout_per_user_name_covers_other_addresses(lockout, admin_user):
    for n in range(3):
        password_login(Client(REMOTE_ADDR=f"192.0.2.{n + 1}"), "owner", "wrong-password")

    assert password_login(Client(REMOTE_ADDR="192.0.2.99"), "owner").status_code == 429


def test_sign_in_opens_again_after_the_cool_off(lockout, admin_user):
    client = Client()
    for _ in range(3):
        password_login(client, "owner", "wrong-password")
    assert password_login(client, "owner").status_code == 429
    # 16 minutes later (the clock of the attempts moved back rather than the clock forward)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    response = password_login(client, "owner")

    assert response.status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.LOGIN, user=admin_user).exists()


def test_login_page_states_the_lockout_rule(lockout, client):
    page = client.get(reverse("login")).content.decode()
    assert "After 3 failed tries sign-in is locked for 15 minutes" in page


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Sh0rt-pw!", "at least 12 characters"),
        ("password1234", "too common"),
        ("alex-miller-2026", "too similar"),
        ("834729384756", "entirely numeric"),
    ],
)
def test_password_rules_refuse_weak_passwords(db, password, message):
    user = UserFactory(username="alex-miller", first_name="Alex", last_name="Miller")
    with pytest.raises(ValidationError, match=message):
        validate_password(password, user)


def test_a_strong_password_passes(db):
    validate_password("Copper-Kettle-Lantern-42", UserFactory(username="alex"))


def test_a_non_staff_user_changes_their_password(viewer_user, viewer_client):
    url = reverse("accounts:password-change")
    assert not viewer_user.is_staff
    assert viewer_client.get(url).status_code == 200

    weak = viewer_client.post(
        url, {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"}
    )
    assert weak.status_code == 400
    assert "at least 12 characters" in weak.content.decode()
    new = "Copper-Kettle-Lantern-42"
    response = viewer_client.post(
        url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )

    assert response.status_code == 302
    viewer_user.refresh_from_db()
    assert viewer_user.check_password(new)
    assert viewer_client.get(reverse("accounts:account")).status_code == 200  # still signed in
    assert SecurityEvent.objects.filter(
        user=viewer_user, kind=SecurityEventKind.PASSWORD_CHANGED
    ).exists()


def _expire(client, when) -> None:
    """The session expires at `when`: in the database and, with cached_db sessions, in the
    cache too (there its entry's timeout is the session's age, so both go together)."""
    Session.objects.update(expire_date=when)
    if hasattr(client.session, "cache_key"):
        cache.delete(client.session.cache_key)


def test_sessions_expire_after_the_idle_time_and_use_renews_it(admin_user, shop):
    client = Client()
    password_login(client, "owner")
    url = reverse("orders:order-list", args=[shop.pk])
    assert client.get(url).status_code == 200
    session = Session.objects.get()
    # Two minutes later, with five minutes left: the next request renews the full idle time.
    store = client.session
    store[LAST_SEEN_SESSION_KEY] -= 120
    store.save()
    _expire(client, timezone.now() + timedelta(minutes=5))

    assert client.get(url).status_code == 200
    session.refresh_from_db()
    renewed = (session.expire_date - timezone.now()).total_seconds()
    assert abs(renewed - django_settings.SESSION_COOKIE_AGE) < 60
    # Within the minute, requests write nothing.
    _expire(client, timezone.now() + timedelta(minutes=5))
    assert client.get(url).status_code == 200
    session.refresh_from_db()
    assert (session.expire_date - timezone.now()).total_seconds() < 301

    _expire(client, timezone.now() - timedelta(seconds=1))  # idle too long
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def _settings_in_subprocess(env: dict[str, str], expression: str) -> str:
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MFA_", "SESSION_"))}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "shopctrl.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_idle_timeout_and_browser_close_come_from_the_deployment():
    expr = "(settings.SESSION_COOKIE_AGE, settings.SESSION_EXPIRE_AT_BROWSER_CLOSE)"
    assert _settings_in_subprocess({}, expr) == "(28800, False)"  # 8 hours by default
    env = {"SESSION_IDLE_TIMEOUT": "900", "SESSION_EXPIRE_AT_BROWSER_CLOSE": "true"}
    assert _settings_in_subprocess(env, expr) == "(900, True)"


def test_mfa_is_required_in_production_and_off_in_the_demo():
    assert _settings_in_subprocess({"DJANGO_DEBUG": "false"}, "settings.MFA_REQUIRED") == "True"
    demo = {"DJANGO_DEBUG": "true", "DATABASE_URL": "sqlite:///:memory:"}
    assert _settings_in_subprocess(demo, "settings.MFA_REQUIRED") == "False"
    assert _settings_in_subprocess({"MFA_REQUIRED": "false"}, "settings.MFA_REQUIRED") == "False"


def test_demo_sign_in_page_says_mfa_is_off(settings, client, db):
    settings.DEBUG = True
    page = client.get(reverse("login")).content.decode()
    assert "two-factor sign-in is <strong>off</strong>" in page
    settings.DEBUG = False
    assert "is <strong>off</strong>" not in client.get(reverse("login")).content.decode()


def test_security_log_retention_cannot_be_set_under_90_days():
    env = {"SECURITY_LOG_RETENTION_DAYS": "30"}
    code = "import django; django.setup()"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "shopctrl.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "at least 90" in result.stderr
