"""Encryption of the LWA secrets at rest, with keys that can be rotated.

`SECRETS_ENCRYPTION_KEYS` lists Fernet keys, newest first: new values are written with the
first, and any listed key can read. To rotate: put a new key first, run
`manage.py rotate_secrets` (re-encrypts every stored secret with it), then drop the old key.
A stored secret no listed key can read is a configuration error, never an empty value.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretKeyError(ImproperlyConfigured):
    """A stored secret cannot be decrypted with the configured keys."""


@lru_cache(maxsize=4)
def _box(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("SECRETS_ENCRYPTION_KEYS is empty: no key to protect secrets.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "SECRETS_ENCRYPTION_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes; make one with `manage.py rotate_secrets "
            "--new-key`)."
        ) from exc


def _current() -> MultiFernet:
    return _box(tuple(settings.SECRETS_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str, *, what: str = "a secret") -> str:
    """The plaintext; raises SecretKeyError (loudly) when no configured key fits."""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretKeyError(
            f"Cannot decrypt {what}: none of SECRETS_ENCRYPTION_KEYS is the key it was "
            "written with. Restore that key (rotation adds the new key first), or enter the "
            "secret again."
        ) from None


def rotate(token: str, *, what: str = "a secret") -> str:
    """The same secret re-encrypted with the first (newest) key."""
    try:
        return _current().rotate(token.encode()).decode()
    except InvalidToken:
        raise SecretKeyError(f"Cannot rotate {what}: no configured key can read it.") from None


def new_key() -> str:
    return Fernet.generate_key().decode()
