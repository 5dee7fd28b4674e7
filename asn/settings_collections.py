"""The shop's warehouses as a settings collection: the shared list/add, edit and delete pages
of `shops.settings_collections`, mounted under the shipments URLs (`asn:warehouse-*`)."""

from asn.forms import WarehouseForm
from asn.models import Warehouse
from shops.permissions import Perm
from shops.settings_collections import SettingCollection

WAREHOUSES = SettingCollection(
    key="warehouse",
    path="warehouses",
    title="Warehouses",
    singular="warehouse",
    model=Warehouse,
    form=WarehouseForm,
    columns=(("code", "Code"), ("name", "Name"), ("address", "Address")),
    help="Where group shipments leave from. The code is the ship-from party id in the ASN.",
    perm=Perm.SYNC_CONFIGURE,
    namespace="asn",
)
