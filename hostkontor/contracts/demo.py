"""Demo contracts: a contract-type catalog, the product sheet's three dmmd contracts and
running contracts for the other demo customers.

Contracts that started before the demo's cut-off carry ``billed_until`` as if imported
from an earlier system (advance: up to the end of the period running on ``CUTOFF``;
arrears: up to the end of the last period that ended before it), so the first billing run
bills what fell due since then, not twenty years back. Idempotent: types are
created once, customers that have contracts already are skipped.
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from hostkontor.billing import engine
from hostkontor.customers.demo import DMMD_NUMBER
from hostkontor.customers.models import Customer
from hostkontor.domains.models import Domain

from .models import Category, Contract, ContractType
from .one_off_items import one_off_item_add
from .services import ContractData, contract_create, contract_type_create, terms_from

CUTOFF = date(2026, 11, 1)
D = Decimal

# name, category, setup, fee, fee unit, interval, mode, invoice text
CATALOG = [
    ("Domain Server Standard", Category.SERVER, "39.00", "19.00", "month", "quarter", "advance"),
    ("Server Webserver", Category.SERVER, "49.00", "10.00", "month", "quarter", "advance"),
    ("Spamschutz", Category.MAIL, "10.00", "20.00", "quarter", "quarter", "advance"),
    ("Domain .de", Category.DOMAIN, "0.00", "12.00", "year", "year", "advance"),
    ("Domain .com", Category.DOMAIN, "0.00", "15.00", "year", "year", "advance"),
    ("Webhosting Basic", Category.WEBSPACE, "0.00", "4.90", "month", "quarter", "advance"),
    ("Webhosting Business", Category.WEBSPACE, "19.00", "9.90", "month", "month", "advance"),
    ("Managed Server", Category.SERVER, "199.00", "149.00", "month", "month", "advance"),
    ("Support-Vertrag", Category.SUPPORT, "0.00", "95.00", "month", "month", "arrears"),
    ("Mail Exchange", Category.MAIL, "0.00", "6.50", "month", "month", "advance"),
    ("SSL-Zertifikat", Category.OTHER, "0.00", "49.00", "year", "year", "advance"),
    ("Backup-Speicher 100 GB", Category.OTHER, "0.00", "5.00", "month", "quarter", "arrears"),
    ("Colocation 1 HE", Category.HARDWARE, "99.00", "59.00", "month", "half_year", "advance"),
]

# The product sheet's "Verträge Übersicht" for dmmd: start, type, description, setup, fee, unit
DMMD_CONTRACTS = [
    (
        date(2003, 1, 20),
        "Domain Server Standard",
        "inkl. Domain dmmd.de",
        "39.00",
        "19.00",
        "month",
    ),
    (date(2003, 1, 21), "Server Webserver", "2x 120 GB / ShopDB", "49.00", "10.00", "month"),
    (
        date(2003, 1, 21),
        "Spamschutz",
        "Spamfilter auf dem Hauptserver",
        "10.00",
        "20.00",
        "quarter",
    ),
]
DMMD_END = date(2004, 1, 21)

_DESCRIPTIONS = {
    "Webhosting Basic": ["Visitenkarte", "Vereinsseite", "Blog"],
    "Webhosting Business": ["Shop", "Firmenwebsite mit CMS", "Intranet"],
    "Managed Server": ["Shopserver, 8 Kerne / 32 GB", "Datenbankserver", "Applikationsserver"],
    "Support-Vertrag": ["Wartung CMS, 1 Std./Monat inkl.", "Rufbereitschaft werktags"],
    "Mail Exchange": ["Postfächer", "Postfächer inkl. Archivierung"],
    "SSL-Zertifikat": ["Wildcard-Zertifikat", "EV-Zertifikat"],
    "Backup-Speicher 100 GB": ["tägliche Sicherung", "Offsite-Backup"],
    "Colocation 1 HE": ["Rechenzentrum Osnabrück", "Rack 4, HE 12"],
    "Spamschutz": ["Spamfilter auf dem Mailserver"],
    "Server Webserver": ["2x 240 GB SSD", "Staging-Server"],
    "Domain Server Standard": ["2 GB Webspace, 10 Postfächer", "5 GB Webspace, PHP/MySQL"],
}


def _catalog() -> dict[str, ContractType]:
    types = {t.name: t for t in ContractType.objects.all()}
    for name, category, setup, fee, unit, interval, mode in CATALOG:
        if name not in types:
            types[name] = contract_type_create(
                actor=None,
                data={
                    "name": name,
                    "category": category,
                    "default_setup_fee": D(setup),
                    "default_fee": D(fee),
                    "default_fee_unit": unit,
                    "default_interval": interval,
                    "default_mode": mode,
                    "default_tax_rate": D("19.00"),
                },
            )
    return types


def _from_type(contract_type: ContractType, start: date, **overrides) -> ContractData:
    values = {
        "contract_type": contract_type,
        "start": start,
        "setup_fee": contract_type.default_setup_fee,
        "fee": contract_type.default_fee,
        "fee_unit": contract_type.default_fee_unit,
        "interval": contract_type.default_interval,
        "mode": contract_type.default_mode,
        "tax_rate": contract_type.default_tax_rate,
    }
    values.update(overrides)
    return ContractData(**values)


def _billed_until_before_cutoff(data: ContractData) -> date | None:
    """What the earlier system billed by ``CUTOFF``: in advance, every period that started
    before it; in arrears, every period that ended before it (None if nothing)."""
    last = None
    for period in engine.iter_periods(terms_from(data)):
        if data.mode == "advance" and period.start >= CUTOFF:
            break
        if data.mode == "arrears" and period.end >= CUTOFF:
            break
        last = period.end
    if last is not None and data.end is not None:
        last = min(last, data.end)
    return last


def _domain_of(customer: Customer) -> str | None:
    name = customer.website.lower().removeprefix("https://").removeprefix("http://")
    name = name.removeprefix("www.").strip("/")
    return name or None


def _dmmd(types: dict[str, ContractType]) -> int:
    customer = Customer.objects.filter(number=DMMD_NUMBER).first()
    if customer is None or Contract.objects.filter(customer=customer).exists():
        return 0
    for start, type_name, description, setup, fee, unit in DMMD_CONTRACTS:
        contract_create(
            actor=None,
            customer=customer,
            data=ContractData(
                contract_type=types[type_name],
                start=start,
                end=DMMD_END,
                description=description,
                setup_fee=D(setup),
                fee=D(fee),
                fee_unit=unit,
                interval="quarter",
                mode="advance",
                alignment="anniversary",
                billed_until=DMMD_END,  # billed to the end by the earlier system
                domain_names=["dmmd.de"] if "dmmd.de" in description else [],
            ),
        )
    return len(DMMD_CONTRACTS)


def _random_contracts(customer: Customer, types, rng: random.Random) -> int:
    created = 0
    domain = _domain_of(customer)
    if domain and Domain.objects.filter(name=domain).exclude(customer=customer).exists():
        domain = None
    tld_type = types["Domain .com"] if domain and domain.endswith(".com") else types["Domain .de"]
    plans = []
    if domain:
        plans.append((tld_type, domain))
    extra = rng.sample(
        [name for name in types if name in _DESCRIPTIONS], k=rng.choice([1, 1, 2, 2, 3])
    )
    plans += [(types[name], None) for name in extra]
    for contract_type, domain_name in plans:
        roll = rng.random()
        if roll < 0.1:  # upcoming
            start = date(2026, 12, 1) + timedelta(days=31 * rng.randint(0, 2))
            start = start.replace(day=1)
        elif roll < 0.25:  # new this autumn, no earlier system: the first runs bill it
            start = date(2026, rng.choice([8, 9, 10]), rng.choice([1, 1, 15]))
        else:
            start = date(rng.randint(2012, 2025), rng.randint(1, 12), rng.choice([1, 1, 1, 15]))
        overrides: dict = {}
        if domain_name:
            overrides["domain_names"] = [domain_name]
            overrides["description"] = domain_name
        else:
            overrides["description"] = rng.choice(_DESCRIPTIONS[contract_type.name])
        if contract_type.name == "Mail Exchange":
            overrides["quantity"] = D(rng.choice([3, 5, 10, 25]))
        if rng.random() < 0.3:
            overrides["min_term_months"] = rng.choice([12, 24])
        if rng.random() < 0.2 and contract_type.default_interval == "month":
            overrides["interval"] = rng.choice(["quarter", "year"])
        if rng.random() < 0.15:
            overrides["alignment"] = "calendar"
        data = _from_type(contract_type, start, **overrides)
        if start.year <= 2024 and rng.random() < 0.15:  # ended contracts
            data.end = date(2025, rng.randint(1, 12), 1) - timedelta(days=1)
            data.end = max(data.end, engine.earliest_end(start, data.min_term_months))
        if start < date(2026, 8, 1):
            data.billed_until = _billed_until_before_cutoff(data)
        contract_create(actor=None, customer=customer, data=data)
        created += 1
    return created


@transaction.atomic
def build(stdout=None) -> int:
    """Create the catalog and the demo contracts that do not exist yet. Returns the count."""
    types = _catalog()
    created = _dmmd(types)
    busy = set(Contract.objects.values_list("customer_id", flat=True).distinct())
    items = 0
    for customer in Customer.objects.exclude(number=DMMD_NUMBER).order_by("number"):
        if customer.pk in busy:
            continue
        # Seeded per customer: the same demo data on every machine, whatever exists already.
        rng = random.Random(f"contracts-{customer.number}")
        created += _random_contracts(customer, types, rng)
        if customer.number in {"K10002", "K10005"}:
            one_off_item_add(
                actor=None,
                customer=customer,
                description="Einrichtung Mailkonten, 2 Std. à 85,00 EUR",
                service_date=date(2026, 11, 12),
                quantity=D("2"),
                unit_price=D("85.00"),
                tax_rate=D("19.00"),
            )
            items += 1
    if stdout:
        stdout.write(
            f"contracts: {len(types)} contract types, {created} contracts, "
            f"{items} one-off items created"
        )
    return created
