"""Demo domains, the TLD price list and the registrars.

Chosen so that importing each sample file of ``../shared/samples/registrar/`` against the demo
data shows a meaningful reconciliation: some domains match, and between them the files show
every kind of difference (e.g. Joker: muster-gmbh.de expiry differs, beispiel-agentur.de is
unbilled, baeckerei-schmidt.de's contract ended but it renews, alte-kampagne.eu status
differs, mueller-sanitaer.at is unknown, dmmd.de is missing at Joker).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from hostkontor.billing.engine import add_months
from hostkontor.contracts.models import Contract
from hostkontor.customers.models import Customer

from .models import Domain, Registrar, TldPrice
from .services import DomainData, domain_contract_end, domain_create, domain_update

PRICES_FROM = date(2000, 1, 1)
# tld: (sale price per year, registrar cost per year)
PRICES = {
    "de": ("12.00", "4.50"),
    "com": ("18.00", "9.80"),
    "net": ("18.00", "10.90"),
    "org": ("18.00", "10.50"),
    "eu": ("15.00", "6.20"),
    "at": ("24.00", "12.00"),
    "ch": ("24.00", "11.00"),
    "info": ("18.00", "12.40"),
    "io": ("60.00", "38.00"),
    "store": ("48.00", "30.00"),
    "nl": ("15.00", "7.50"),
}
REGISTRARS = ["joker", "autodns", "gandi", "namecheap", "hexonet"]

RUNNING, ENDED, NONE = "running", "ended", "none"
# name, customer, registrar, expires, status, auto_renew, contract, contract start, end
DOMAINS = [
    (
        "dmmd.de",
        "K10001",
        "joker",
        date(2025, 5, 1),
        "active",
        True,
        RUNNING,
        date(2003, 1, 20),
        None,
    ),
    (
        "example-shop.de",
        "K10005",
        "joker",
        date(2025, 3, 2),
        "active",
        True,
        RUNNING,
        date(2017, 3, 2),
        None,
    ),
    (
        "muster-gmbh.de",
        "K10006",
        "joker",
        date(2024, 11, 29),
        "active",
        True,
        RUNNING,
        date(2019, 11, 30),
        None,
    ),
    ("beispiel-agentur.de", "K10007", "joker", date(2024, 7, 15), "active", True, NONE, None, None),
    (
        "baeckerei-schmidt.de",
        "K10008",
        "joker",
        date(2025, 1, 9),
        "active",
        True,
        ENDED,
        date(2020, 1, 9),
        date(2024, 1, 8),
    ),
    (
        "alte-kampagne.eu",
        "K10009",
        "joker",
        date(2024, 6, 1),
        "expired",
        False,
        ENDED,
        date(2021, 6, 1),
        date(2024, 5, 31),
    ),
    (
        "agentur-nord.de",
        "K10010",
        "autodns",
        date(2025, 8, 1),
        "active",
        True,
        RUNNING,
        date(2016, 8, 1),
        None,
    ),
    ("müller.de", "K10002", "gandi", date(2024, 11, 17), "transfer_in", True, NONE, None, None),
    (
        "kanzlei-weber.de",
        "K10005",
        "gandi",
        date(2025, 10, 1),
        "active",
        True,
        RUNNING,
        date(2018, 10, 1),
        None,
    ),
    (
        "example-shop.com",
        "K10005",
        "namecheap",
        date(2025, 3, 2),
        "active",
        True,
        RUNNING,
        date(2019, 3, 2),
        None,
    ),
    (
        "muster-gmbh.net",
        "K10006",
        "namecheap",
        date(2024, 11, 17),
        "active",
        False,
        NONE,
        None,
        None,
    ),
    (
        "beispiel-agentur.io",
        "K10007",
        "namecheap",
        date(2024, 6, 30),
        "active",
        True,
        ENDED,
        date(2021, 6, 30),
        date(2023, 6, 29),
    ),
    (
        "alte-kampagne.info",
        "K10009",
        "namecheap",
        date(2024, 1, 12),
        "active",
        False,
        RUNNING,
        date(2022, 1, 12),
        None,
    ),
    (
        "hotel-alpenblick.com",
        "K10003",
        "namecheap",
        date(2025, 4, 20),
        "active",
        True,
        RUNNING,
        date(2015, 4, 20),
        None,
    ),
    (
        "alpenblick-hotels.ch",
        "K10003",
        "hexonet",
        date(2025, 4, 20),
        "active",
        True,
        RUNNING,
        date(2015, 4, 20),
        None,
    ),
    (
        "janssen-webdesign.nl",
        "K10004",
        "hexonet",
        date(2025, 2, 14),
        "active",
        True,
        RUNNING,
        date(2020, 2, 14),
        None,
    ),
]


def current_period_end(start: date, today: date) -> date:
    """Last day of the yearly period (counted from ``start``) that contains ``today``."""
    years = 0
    while add_months(start, 12 * (years + 1)) <= today:
        years += 1
    return add_months(start, 12 * (years + 1)) - timedelta(days=1)


def _prices() -> int:
    created = 0
    for tld, (sale, cost) in PRICES.items():
        _price, new = TldPrice.objects.get_or_create(
            tld=tld,
            registrar="",
            valid_from=PRICES_FROM,
            defaults={"sale_price_year": Decimal(sale), "cost_year": Decimal(cost)},
        )
        created += new
    return created


def _bundle_contract(customer: Customer) -> Contract | None:
    """dmmd's "Domain Server Standard" contract, if the contracts demo created it."""
    return (
        Contract.objects.filter(customer=customer, contract_type__name="Domain Server Standard")
        .order_by("start")
        .first()
    )


@transaction.atomic
def build(stdout=None) -> int:
    """Create what does not exist yet. Returns how many domains were created."""
    today = timezone.localdate()
    prices = _prices()
    for name in REGISTRARS:
        Registrar.objects.get_or_create(name=name, defaults={"format": name})
    customers = {c.number: c for c in Customer.objects.filter(number__in={d[1] for d in DOMAINS})}
    existing = {d.name: d for d in Domain.objects.select_related("customer")}
    created = 0
    for name, number, registrar, expires, status, auto_renew, kind, start, end in DOMAINS:
        customer = customers.get(number)
        if customer is None:
            continue
        data = DomainData(
            name=name,
            registrar=registrar,
            expires=expires,
            status=status,
            auto_renew=auto_renew,
            registered_on=start,
            nameservers=["ns1.dmmd.net", "ns2.dmmd.net"],
        )
        if name in existing:
            # e.g. dmmd.de, created by the contracts demo with its contract: add the
            # registrar data once, keep its contracts
            domain = existing[name]
            if not domain.registrar and domain.customer_id == customer.pk:
                domain_update(actor=None, domain=domain, data=data)
            continue
        bundle = _bundle_contract(customer) if name == "dmmd.de" else None
        if bundle is not None:
            domain_create(
                actor=None, customer=customer, data=data, on=bundle.start, contract=bundle
            )
        elif kind == NONE:
            domain_create(
                actor=None,
                customer=customer,
                data=data,
                on=add_months(expires, -12),
                create_contract=False,
            )
        else:
            domain = domain_create(
                actor=None,
                customer=customer,
                data=data,
                on=start,
                billed_until=end if kind == ENDED else current_period_end(start, today),
            )
            if kind == ENDED:
                domain_contract_end(actor=None, domain=domain, last_day=end)
        created += 1
    if stdout:
        stdout.write(f"domains: {created} created, {prices} TLD prices")
    return created
