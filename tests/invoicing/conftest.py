"""A simulator that receives shipments quickly, a shop with invoicing set up, and an order
shipped to the simulator with an ASN Amazon accepted (imported, acknowledged and shipped
through our own services)."""

import time

import pytest

from invoicing.models import InvoiceSettings
from simulator import SimulatorConfig
from tests.support.amazon import vendor_client_for
from tests.support.invoicing import RECEIVE_DELAY


@pytest.fixture(scope="module")
def simulator_config() -> SimulatorConfig:
    return SimulatorConfig(
        seed=71,
        orders_per_day=80,
        transaction_delay=0.1,
        rate_limits=False,
        receive_delay=RECEIVE_DELAY,
        shortage_rate=0.0,
    )


@pytest.fixture
def api(sim):
    sim.simulator.update_config(
        {"shortage_rate": 0.0, "error_rate": 0.0, "receive_delay": RECEIVE_DELAY}
    )
    with vendor_client_for(sim) as client:
        yield client


@pytest.fixture
def invoicing(shop):
    return InvoiceSettings.objects.create(
        shop=shop,
        legal_name="Acme Kitchen GmbH",
        remit_to_party_id="VNDR1",
        address_line1="Industriestraße 5",
        postal_code="04109",
        city="Leipzig",
        country_code="DE",
        tax_registration_number="DE123456789",
        number_prefix=f"T{time.time_ns() % 10**9}-",  # the simulator remembers numbers
        payment_terms_days=30,
    )
