"""Every existing Shop Owner Admin role gets the new "security.manage" permission (the locked
role holds every permission; new shops are seeded with it)."""

from django.db import migrations

CODE = "security.manage"


def forward(apps, schema_editor):
    Role = apps.get_model("shops", "Role")
    for role in Role.objects.filter(is_locked=True, name="Shop Owner Admin"):
        if CODE not in role.permissions:
            role.permissions = sorted([*role.permissions, CODE])
            role.save(update_fields=["permissions"])


def backward(apps, schema_editor):
    Role = apps.get_model("shops", "Role")
    for role in Role.objects.filter(permissions__contains=[CODE]):
        role.permissions = [code for code in role.permissions if code != CODE]
        role.save(update_fields=["permissions"])


class Migration(migrations.Migration):
    dependencies = [("shops", "0002_accounts_security_invitations")]

    operations = [migrations.RunPython(forward, backward)]
