"""Demo usage: components and subject mappings so that every sample export in
``../shared/samples/usage/`` (copies in ``parsers/fixtures/``) imports matched, plus an example
CSV import format.

Runs after the customers (and, if present, contracts) demo. The usage contracts are its own
(``V-USAGE-…``, started 2024-05-01 like the samples, billed by the "earlier system" up to the
contracts demo's cut-off), so it never depends on which random contracts another demo made.
Idempotent: existing contracts, components, mappings and formats are kept.
"""

from datetime import date
from decimal import Decimal

from django.db import transaction

from hostkontor.contracts.models import Contract, ContractType
from hostkontor.customers.models import Customer

from .models import SubjectMapping, UsageComponent, UsageMapping

D = Decimal
START = date(2024, 5, 1)
BILLED_UNTIL = date(2026, 10, 31)  # contracts demo: CUTOFF 2026-11-01

EXAMPLE_FORMAT = """name = "Speicherplatz CSV"
kind = "csv"

[csv]
delimiter = ";"

[usage]
source = "disk-csv"
interval = 86400
timezone = "Europe/Berlin"

[fields.subject]
column = "account"
required = true

[fields.metric]
default = "disk_bytes"

[fields.start]
column = "day"
type = "date"
format = "dd.mm.yyyy"
required = true

[fields.quantity]
column = "bytes"
type = "int"
required = true
"""

# customer number, contract reference, contract type, description, fee,
#   [(component values, [(subject key, source)])]
PLAN = [
    (
        "K10001",
        "V-USAGE-1",
        "Managed Server",
        "srv01 muster-gmbh.de, 1 Gbit/s Uplink",
        "149.00",
        [
            (
                {
                    "name": "Traffic",
                    "metric": "traffic_bytes",
                    "unit": "GB",
                    "included": D("1000"),
                    "unit_price": D("0.10"),
                    "direction": "sum",
                    "aggregation": "volume",
                    "billed_from": START,
                },
                [("eth0", "vnstat")],
            ),
            (
                {
                    "name": "Bandbreite 95. Perzentil",
                    "metric": "traffic_bps",
                    "unit": "Mbit/s",
                    "included": D("100"),
                    "unit_price": D("4.50"),
                    "direction": "max",
                    "aggregation": "percentile95",
                    "sample_interval": 300,
                    "billed_from": START,
                },
                [("in_bps", "rrd"), ("out_bps", "rrd")],
            ),
        ],
    ),
    (
        "K10002",
        "V-USAGE-2",
        "Colocation 1 HE",
        "Switchport sw1 Gi0/12 (kunde42)",
        "59.00",
        [
            (
                {
                    "name": "Traffic",
                    "metric": "traffic_bytes",
                    "unit": "GB",
                    "included": D("500"),
                    "tiers": [
                        {"up_to": "1000", "unit_price": "0.08"},
                        {"up_to": None, "unit_price": "0.05"},
                    ],
                    "tier_mode": "graduated",
                    "direction": "sum",
                    "aggregation": "volume",
                    "billed_from": START,
                },
                [("mrtg_kunde42-sw1-gi0-12", "mrtg"), ("kunde42-sw1-gi0-12", "mrtg")],
            ),
        ],
    ),
    (
        "K10003",
        "V-USAGE-3",
        "Webhosting Business",
        "Agentur-Hosting: example-shop.de, muster-gmbh.de, beispiel-agentur.de",
        "9.90",
        [
            (
                {
                    "name": "Web-Traffic",
                    "metric": "http_bytes_out",
                    "unit": "GB",
                    "included": D("50"),
                    "unit_price": D("0.25"),
                    "rounding_step": D("0.1"),
                    "aggregation": "volume",
                    "billed_from": START,
                },
                [
                    ("www.example-shop.de", "apache"),
                    ("muster-gmbh.de", "apache"),
                    ("beispiel-agentur.de", "apache"),
                ],
            ),
            (
                {
                    "name": "Speicherplatz",
                    "metric": "disk_bytes",
                    "unit": "GB",
                    "included": D("10"),
                    "unit_price": D("0.50"),
                    "aggregation": "max",
                    "billed_from": START,
                },
                [("web42", "disk-csv")],
            ),
        ],
    ),
]


def _contract(
    customer: Customer, reference: str, type_name: str, description: str, fee: str
) -> Contract:
    contract = Contract.objects.filter(reference=reference).first()
    if contract is not None:
        return contract
    contract_type, _ = ContractType.objects.get_or_create(name=type_name)
    return Contract.objects.create(
        customer=customer,
        reference=reference,
        contract_type=contract_type,
        description=description,
        start=START,
        fee=D(fee),
        fee_unit="month",
        interval="month",
        mode="advance",
        alignment="calendar",
        tax_rate=D("19.00"),
        billed_until=BILLED_UNTIL,
    )


@transaction.atomic
def build(stdout=None) -> int:
    """Create the demo usage components and mappings that do not exist yet; returns how many
    components were created."""
    created = 0
    customers = {c.number: c for c in Customer.objects.filter(number__in=[p[0] for p in PLAN])}
    for number, reference, type_name, description, fee, components in PLAN:
        customer = customers.get(number)
        if customer is None:
            continue
        contract = _contract(customer, reference, type_name, description, fee)
        for values, subjects in components:
            component = UsageComponent.objects.filter(
                contract=contract, name=values["name"]
            ).first()
            if component is None:
                component = UsageComponent.objects.create(contract=contract, **values)
                created += 1
            for subject_key, source in subjects:
                SubjectMapping.objects.get_or_create(
                    subject_key=subject_key,
                    source=source,
                    component=component,
                    defaults={"valid_from": START},
                )
    UsageMapping.objects.get_or_create(name="Speicherplatz CSV", defaults={"toml": EXAMPLE_FORMAT})
    if stdout:
        stdout.write(f"usage: {created} usage components created")
    return created
