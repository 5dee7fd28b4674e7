"""Django test clients for the back office's web pages."""

from django.test import Client


def web_client_for(user) -> Client:
    """A browser-like client signed in as `user` (None: signed out)."""
    client = Client()
    if user is not None:
        client.force_login(user)
    return client
