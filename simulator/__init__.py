"""Vendor Central simulator: Amazon's LWA token endpoint and the Vendor Retail APIs over HTTP.

People try the product with it before they have Amazon credentials, and the demo, the
end-to-end tests and the benchmarks point the real python-amazon-sp-api client at it. It
speaks Amazon's wire format (the models in `simulator/models/`), generates purchase
orders deterministically from a seed, keeps acknowledgements and shipment confirmations in
memory, checks ASNs by Amazon's business rules, creates the POs of uploaded Bulk Buy offers,
enforces Amazon's rate limits and injects faults on demand.

Usage::

    from simulator import SimulatorConfig, start_simulator

    with start_simulator(SimulatorConfig(seed=7, port=0)) as sim:
        sim.base_url                  # "http://127.0.0.1:PORT": LWA and SP-API endpoint
        ...                           # POST {base_url}/auth/o2/token, GET /vendor/orders/v1/...
        sim.requests(since=0)         # what the server received (GET /_simulator/requests)
        sim.update_config(error_rate=0.2)  # faults at runtime (POST /_simulator/faults)
        sim.reset()                   # forget acknowledgements (POST /_simulator/reset)

From a shell: `python manage.py vendor_simulator --port 8100 --seed 7` (see `--help`), and
`python -m simulator upload-offer OFFER.xlsx --url http://127.0.0.1:8100` to
create the POs of an exported Bulk Buy offer.

Credentials: any refresh token starting `Atzr|` and client id starting
`amzn1.application-oa2-client.` with a non-empty secret work. A refresh token containing
`revoked`/`expired` gets `invalid_grant`, a secret starting `wrong` gets `invalid_client`.

Endpoints (paths, parameters and envelopes as in Amazon's models):
    POST /auth/o2/token                                   LWA refresh-token grant
    GET  /vendor/orders/v1/purchaseOrders                 getPurchaseOrders
    GET  /vendor/orders/v1/purchaseOrders/{number}        getPurchaseOrder
    GET  /vendor/orders/v1/purchaseOrdersStatus           getPurchaseOrdersStatus
    POST /vendor/orders/v1/acknowledgements               submitAcknowledgement (202)
    POST /vendor/shipping/v1/shipmentConfirmations        SubmitShipmentConfirmations (202;
                                                          rules in asn.py)
    GET  /vendor/transactions/v1/transactions/{id}        getTransaction
    (SubmitShipments, GetShipmentDetails, GetShipmentLabels: --sandbox mode only)

Control API (not Amazon's): see `control.py` — `/_simulator/` (HTML), `/_simulator/requests`,
`/_simulator/config`, `/_simulator/faults`, `/_simulator/reset`,
`/_simulator/shipment-confirmations` (accepted ASNs), `POST /_simulator/offers` (an offer
workbook → its POs, see `offers.py`).
"""

from simulator.config import RUNTIME_FIELDS, SimulatorConfig
from simulator.runner import RunningSimulator, start_simulator
from simulator.server import Simulator
from simulator.validation import MODELS_DIR, load_models, schema_errors

__all__ = [
    "MODELS_DIR",
    "RUNTIME_FIELDS",
    "RunningSimulator",
    "Simulator",
    "SimulatorConfig",
    "load_models",
    "schema_errors",
    "start_simulator",
]
