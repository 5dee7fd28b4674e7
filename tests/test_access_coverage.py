"""Every model of our apps has a stated access rule (shops.access.ACCESS_RULES)."""

from django.apps import apps

from shops.access import ACCESS_RULES

OUR_APPS = (
    "shops",
    "orders",
    "amazon1p",
    "bulkbuy",
    "asn",
    "ops",
    "cockpit",
    "receiving",
    "invoicing",
)


def test_every_model_has_an_access_rule():
    models = {
        model._meta.label_lower
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
    }
    assert models - set(ACCESS_RULES) == set(), "add these models to ACCESS_RULES"
    assert set(ACCESS_RULES) - models == set(), "ACCESS_RULES names models that do not exist"
