"""Sign-in tests: two-factor sign-in is off by default (tests/conftest.py); these turn it on
(helpers in tests/support/accounts.py)."""

import pytest


@pytest.fixture
def mfa_required(settings):
    settings.MFA_REQUIRED = True
