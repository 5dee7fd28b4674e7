"""Bind the secrets already stored to the endpoint and client id they are used with today.

From now on the client factory sends stored secrets only where they were saved for; rows
saved before that record existed are taken as saved for their current settings. A custom
URL stays refused at use time wherever SPAPI_ALLOW_CUSTOM_ENDPOINTS is off.
"""

from django.db import migrations

from amazon1p.spapi.endpoints import Endpoint, EndpointKind, Region, secrets_fingerprint


def bind(apps, schema_editor):
    AmazonConnection = apps.get_model("amazon1p", "AmazonConnection")
    rows = AmazonConnection.objects.exclude(
        lwa_client_secret_encrypted="", refresh_token_encrypted=""
    )
    for row in rows:
        try:
            endpoint = Endpoint.for_region(
                Region(row.region), EndpointKind(row.endpoint_kind), row.custom_base_url
            )
        except ValueError:  # a custom kind without a usable URL: nothing to bind to
            continue
        row.secrets_fingerprint = secrets_fingerprint(endpoint, row.lwa_client_id)
        row.save(update_fields=["secrets_fingerprint"])


def unbind(apps, schema_editor):
    apps.get_model("amazon1p", "AmazonConnection").objects.update(secrets_fingerprint="")


class Migration(migrations.Migration):
    dependencies = [
        ("amazon1p", "0008_amazonconnection_secrets_fingerprint"),
    ]

    operations = [migrations.RunPython(bind, unbind)]
