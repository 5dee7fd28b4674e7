"""ApiToken moves from amazon1p to shops (the REST API's tokens serve picks and pack files).

State only: the table keeps its name (amazon1p_apitoken) and nothing in the database moves.
The content type is renamed so audit entries about tokens (and its permissions) follow.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def content_type_to_shops(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="shops", model="apitoken").exists():
        ContentType.objects.filter(app_label="amazon1p", model="apitoken").update(
            app_label="shops"
        )


def content_type_to_amazon1p(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="amazon1p", model="apitoken").exists():
        ContentType.objects.filter(app_label="shops", model="apitoken").update(
            app_label="amazon1p"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("shops", "0004_alert_groups"),
        ("amazon1p", "0013_map_partially_received"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiToken",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=80)),
                        ("token_hash", models.CharField(max_length=64, unique=True)),
                        ("hint", models.CharField(max_length=12)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "shop",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_tokens",
                                to="shops.shop",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "amazon1p_apitoken",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_type_to_shops, content_type_to_amazon1p),
    ]
