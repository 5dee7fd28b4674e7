"""Named permissions and the roles seeded into every new shop.

Permissions are plain codes so roles can be edited per shop in the UI without migrations.
Each view names the one permission it needs (see `shops.access`).
"""

from django.db import models


class Perm(models.TextChoices):
    SHOP_VIEW = "shop.view", "View shop, orders and alerts"
    SHOP_CONFIGURE = "shop.configure", "Configure shop settings"
    MEMBERS_MANAGE = "members.manage", "Manage members and roles"
    SYNC_CONFIGURE = "sync.configure", "Configure Amazon 1P synchronization"
    ORDERS_EDIT = "orders.edit", "Edit orders (credit rows, parameters)"
    ORDERS_ACKNOWLEDGE = "orders.acknowledge", "Acknowledge orders to Amazon"
    OFFERS_VIEW = "offers.view", "View Bulk Buy Offers"
    OFFERS_ADD = "offers.add", "Add Bulk Buy Offers"
    OFFERS_EDIT = "offers.edit", "Edit Bulk Buy Offers"
    OFFERS_DELETE = "offers.delete", "Delete Bulk Buy Offers"
    OFFERS_STAGE_COMMERCE = "offers.stage_commerce", "Approve offers: Commerce stage"
    OFFERS_STAGE_MANUFACTURE = "offers.stage_manufacture", "Approve offers: Manufacture stage"
    OFFERS_STAGE_WAREHOUSE = "offers.stage_warehouse", "Approve offers: Warehouse stage"
    OFFERS_COMPLETE = "offers.complete", "Complete offers"
    SHIPMENTS_MANAGE = "shipments.manage", "Manage shipments and ASNs"
    SECURITY_MANAGE = "security.manage", "Security: sign-in policy and security log"


SHOP_OWNER_ADMIN = "Shop Owner Admin"

SEED_ROLES: dict[str, list[str]] = {
    SHOP_OWNER_ADMIN: [p.value for p in Perm],
    "Commerce": [
        Perm.SHOP_VIEW,
        Perm.ORDERS_EDIT,
        Perm.ORDERS_ACKNOWLEDGE,
        Perm.OFFERS_VIEW,
        Perm.OFFERS_ADD,
        Perm.OFFERS_EDIT,
        Perm.OFFERS_STAGE_COMMERCE,
    ],
    "Manufacture": [Perm.SHOP_VIEW, Perm.OFFERS_VIEW, Perm.OFFERS_STAGE_MANUFACTURE],
    "Warehouse": [
        Perm.SHOP_VIEW,
        Perm.ORDERS_EDIT,
        Perm.ORDERS_ACKNOWLEDGE,
        Perm.OFFERS_VIEW,
        Perm.OFFERS_STAGE_WAREHOUSE,
        Perm.OFFERS_COMPLETE,
        Perm.SHIPMENTS_MANAGE,
    ],
    "Viewer": [Perm.SHOP_VIEW, Perm.OFFERS_VIEW],
}
