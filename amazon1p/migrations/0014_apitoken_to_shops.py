"""ApiToken moves to shops (shops 0005 creates it there, on the same table).

State only: the pick imports' foreign key now names shops.ApiToken (the database constraint
already points at amazon1p_apitoken, which keeps its name), then amazon1p forgets the model.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("amazon1p", "0013_map_partially_received"),
        ("shops", "0005_apitoken_from_amazon1p"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="pickimport",
                    name="api_token",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="pick_imports",
                        to="shops.apitoken",
                    ),
                ),
                migrations.DeleteModel(name="ApiToken"),
            ],
            database_operations=[],
        ),
    ]
