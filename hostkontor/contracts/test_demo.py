from datetime import date
from decimal import Decimal

import pytest

from hostkontor.billing import engine
from hostkontor.customers import demo as customers_demo
from hostkontor.domains.models import DomainOwnership

from . import demo
from .models import Contract, ContractType
from .services import terms_from

pytestmark = pytest.mark.django_db


def test_demo_has_the_sheets_dmmd_contracts_no_back_billing_and_is_idempotent():
    customers_demo.build()
    created = demo.build()
    # the product sheet's three dmmd contracts, billed to their end by the earlier system
    dmmd = Contract.objects.filter(customer__number="K10001").order_by("start", "reference")
    assert [
        (
            c.contract_type.name,
            c.description,
            c.start,
            c.end,
            c.setup_fee,
            c.fee,
            c.fee_unit,
            c.interval,
            c.mode,
            c.billed_until,
        )
        for c in dmmd
    ] == [
        (
            "Domain Server Standard",
            "inkl. Domain dmmd.de",
            date(2003, 1, 20),
            date(2004, 1, 21),
            Decimal("39.00"),
            Decimal("19.00"),
            "month",
            "quarter",
            "advance",
            date(2004, 1, 21),
        ),
        (
            "Server Webserver",
            "2x 120 GB / ShopDB",
            date(2003, 1, 21),
            date(2004, 1, 21),
            Decimal("49.00"),
            Decimal("10.00"),
            "month",
            "quarter",
            "advance",
            date(2004, 1, 21),
        ),
        (
            "Spamschutz",
            "Spamfilter auf dem Hauptserver",
            date(2003, 1, 21),
            date(2004, 1, 21),
            Decimal("10.00"),
            Decimal("20.00"),
            "quarter",
            "quarter",
            "advance",
            date(2004, 1, 21),
        ),
    ]
    assert list(dmmd[0].domains.values_list("name", flat=True)) == ["dmmd.de"]
    assert DomainOwnership.objects.get(domain__name="dmmd.de").valid_from == date(2003, 1, 20)
    # the catalog and a realistic mix for the other customers
    assert set(ContractType.objects.values_list("name", flat=True)) == {
        row[0] for row in demo.CATALOG
    }
    others = list(Contract.objects.exclude(customer__number="K10001"))
    assert created == len(others) + 3
    assert len({c.customer_id for c in others}) == 49
    assert {c.interval for c in others} >= {"month", "quarter", "year"}
    assert {c.mode for c in others} == {"advance", "arrears"}
    assert any(c.end is None for c in others) and any(c.end is not None for c in others)
    assert any(c.min_term_months for c in others) and any(c.billed_until for c in others)
    # nothing is due before August 2026: no years of back-billing on the first run
    dues = [engine.next_due_date(terms_from(c)) for c in others]
    assert min(d for d in dues if d is not None) >= date(2026, 8, 1)
    # a second build creates nothing
    assert demo.build() == 0
    assert Contract.objects.count() == created
