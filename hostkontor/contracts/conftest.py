"""Fixtures for the contracts tests: customers, types, contracts and invoices that bill them."""

from datetime import date
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from hostkontor.billing.models import Invoice, InvoiceLine
from hostkontor.customers.services import CustomerData, customer_create

from .services import ContractData, contract_create, contract_type_create


@pytest.fixture
def customer(db):
    return customer_create(
        actor=None, data=CustomerData(company="Bäckerei Müller GmbH", city="Osnabrück")
    )


@pytest.fixture
def other_customer(db):
    return customer_create(actor=None, data=CustomerData(company="Andere GmbH", city="Melle"))


@pytest.fixture
def server_type(db):
    return contract_type_create(
        actor=None,
        data={
            "name": "Domain Server Standard",
            "category": "server",
            "default_setup_fee": Decimal("39.00"),
            "default_fee": Decimal("19.00"),
            "default_fee_unit": "month",
            "default_interval": "quarter",
            "default_mode": "advance",
        },
    )


def contract_data(contract_type, **overrides) -> ContractData:
    values = {
        "contract_type": contract_type,
        "start": date(2003, 1, 20),
        "end": date(2004, 1, 21),
        "description": "inkl. Domain dmmd.de",
        "setup_fee": Decimal("39.00"),
        "fee": Decimal("19.00"),
        "fee_unit": "month",
        "interval": "quarter",
        "mode": "advance",
    }
    values.update(overrides)
    return ContractData(**values)


def make_contract(customer, contract_type, **overrides):
    return contract_create(
        actor=None, customer=customer, data=contract_data(contract_type, **overrides)
    )


def bill(
    contract,
    lines,
    *,
    run_date=date(2003, 1, 20),
    number=None,
    invoice_date=None,
    status=None,
    bills=True,
):
    """An invoice of the contract's customer holding ``lines`` = [(kind, start, end, net)].

    With ``number`` it is issued (number and date set in one step from draft, as issuing does).
    """
    invoice = Invoice.objects.create(customer=contract.customer, run_date=run_date)
    for position, (kind, start, end, net) in enumerate(lines, start=1):
        InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            kind=kind,
            contract=contract,
            description=f"{contract.contract_type.name} {kind}",
            period_start=start,
            period_end=end,
            quantity=Decimal("1"),
            net=Decimal(net),
            tax_rate=Decimal("19.00"),
            bills=bills,
        )
    total = sum((Decimal(net) for *_rest, net in lines), Decimal("0.00"))
    Invoice.objects.filter(pk=invoice.pk).update(net_total=total, gross_total=total)
    if number:
        issue(invoice, number, invoice_date=invoice_date or run_date, status=status)
    invoice.refresh_from_db()
    return invoice


def issue(invoice, number, *, invoice_date=None, status=None):
    """Issue a draft: number and date in one step (issued invoices refuse later changes)."""
    Invoice.objects.filter(pk=invoice.pk).update(
        status=status or Invoice.Status.ISSUED,
        number=number,
        invoice_date=invoice_date or invoice.run_date,
    )
    invoice.refresh_from_db()
    return invoice


class _TableParser(HTMLParser):
    """Rows of the table with the given data-testid, each a list of cell texts."""

    def __init__(self, testid: str):
        super().__init__()
        self.testid = testid
        self.depth = 0  # >0 while inside the table
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            if self.depth or attrs.get("data-testid") == self.testid:
                self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append([])
        elif self.depth and tag in {"td", "th"}:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in {"td", "th"} and self.cell is not None:
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table_rows(html: str, testid: str) -> list[list[str]]:
    parser = _TableParser(testid)
    parser.feed(html)
    return parser.rows
