"""Amazon's targets for the cockpit's metrics, in percent: the one place they are set.

Amazon states them on Vendor Central's operational performance page; the charts draw each
as a dashed line and the page names it beside the chart's title (docs/metrics.md). Amazon
publishes no target for median time to acknowledge, lead time, backorders, fill rate or
receiving accuracy, so those charts have no line.
"""

from dataclasses import dataclass

ACK_ON_TIME_TARGET_PCT = 100.0  # every PO acknowledged by its deadline
CONFIRMATION_TARGET_PCT = 90.0  # units accepted / units ordered
ASN_ON_TIME_TARGET_PCT = 95.0  # ASN sent before the shipment departs
ASN_ACCURACY_TARGET_PCT = 95.0  # ASN accepted as first sent


@dataclass(frozen=True)
class Target:
    label: str
    value: float


ACK_ON_TIME = Target("Acknowledged on time", ACK_ON_TIME_TARGET_PCT)
CONFIRMATION = Target("Confirmation rate", CONFIRMATION_TARGET_PCT)
ASN_ON_TIME = Target("ASN on time", ASN_ON_TIME_TARGET_PCT)
ASN_ACCURACY = Target("ASN accuracy", ASN_ACCURACY_TARGET_PCT)
