"""Reading contracts with their billing state. Every function runs a fixed number of queries.

What is billed is derived from invoice lines that still bill (``bills=True``); the engine
turns that into "billed until", the next period and its due date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.paginator import Paginator
from django.db.models import Exists, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.text import capfirst

from hostkontor.billing import engine
from hostkontor.billing.models import Invoice, InvoiceLine, OneOffItem
from hostkontor.customers.models import Customer

from .models import Contract, ContractType, FeeUnit, Interval, Mode, PriceChange
from .revenue import RevenueLine, revenue_by_month, revenue_by_quarter, revenue_by_year
from .services import terms_from

PAST, ACTIVE, UPCOMING = "past", "active", "upcoming"
STATES = (PAST, ACTIVE, UPCOMING)
CENT = Decimal("0.01")


def state_q(state: str, today: date) -> Q:
    """past: ended before today; active: started and not ended; upcoming: starts later."""
    if state == PAST:
        return Q(end__lt=today)
    if state == UPCOMING:
        return Q(start__gt=today)
    return Q(start__lte=today) & (Q(end__isnull=True) | Q(end__gte=today))


def contract_state(contract: Contract, today: date) -> str:
    if contract.end is not None and contract.end < today:
        return PAST
    if contract.start > today:
        return UPCOMING
    return ACTIVE


def unit_text(fee_unit: str) -> str:
    """ "pro Monat" / "per month"."""
    return str(FeeUnit(fee_unit).label)


def interval_text(interval: str, mode: str) -> str:
    """ "Quartalsweise im Voraus" / "Quarterly in advance"."""
    return f"{capfirst(Interval(interval).label)} {Mode(mode).label}"


@dataclass
class BilledLine:
    contract_id: int
    kind: str
    period_start: date | None
    period_end: date | None
    net: Decimal
    invoice_id: int
    invoice_number: str | None
    invoice_status: str
    invoice_date: date | None
    run_date: date
    invoice_url: str | None = None

    @property
    def billed_on(self) -> date:
        return self.invoice_date or self.run_date


@dataclass
class ContractRow:
    """A contract with what the engine derives from its billed lines."""

    contract: Contract
    terms: engine.ContractTerms
    setup_billed_on: date | None  # billing date of the setup line (or the import cut-off)
    billed_until: date | None
    next_period: engine.Period | None
    next_due: date | None
    lines: list[BilledLine] = field(default_factory=list)

    @property
    def interval_text(self) -> str:
        return interval_text(self.contract.interval, self.contract.mode)

    @property
    def unit_text(self) -> str:
        return unit_text(self.contract.fee_unit)

    def fee_on(self, day: date) -> Decimal:
        return engine.fee_on(self.terms, day)

    def monthly_amount(self, day: date) -> Decimal:
        """Net per month on ``day`` (fee × quantity / months of the fee unit), unrounded."""
        months = engine.FeeUnit(self.contract.fee_unit).months
        return self.fee_on(day) * self.contract.quantity / months


def _lines_query(contract_ids) -> QuerySet:
    return (
        InvoiceLine.objects.filter(
            contract_id__in=contract_ids,
            bills=True,
            kind__in=[InvoiceLine.Kind.SETUP, InvoiceLine.Kind.PERIOD],
        )
        # setup line (no period) first on every database: NULLs sort differently otherwise
        .order_by("contract_id", F("period_start").asc(nulls_first=True), "id")
        .values_list(
            "contract_id",
            "kind",
            "period_start",
            "period_end",
            "net",
            "invoice_id",
            "invoice__number",
            "invoice__status",
            "invoice__invoice_date",
            "invoice__run_date",
        )
    )


def _price_changes(contract_ids) -> dict[int, list[engine.PriceChange]]:
    result: dict[int, list[engine.PriceChange]] = defaultdict(list)
    rows = (
        PriceChange.objects.filter(contract_id__in=contract_ids)
        .order_by("valid_from")
        .values_list("contract_id", "valid_from", "fee")
    )
    for contract_id, valid_from, fee in rows:
        result[contract_id].append(engine.PriceChange(valid_from, fee))
    return result


def _row(contract: Contract, lines: list[BilledLine], changes) -> ContractRow:
    setup_line = next((line for line in lines if line.kind == InvoiceLine.Kind.SETUP), None)
    starts = frozenset(line.period_start for line in lines if line.kind == InvoiceLine.Kind.PERIOD)
    terms = terms_from(
        contract,
        price_changes=changes,
        setup_billed=setup_line is not None,
        period_starts=starts,
    )
    period = engine.next_period(terms)
    return ContractRow(
        contract=contract,
        terms=terms,
        setup_billed_on=setup_line.billed_on if setup_line else contract.billed_until,
        billed_until=engine.billed_until(terms),
        next_period=period,
        next_due=engine.next_due_date(terms) if period is not None else None,
        lines=lines,
    )


def contract_rows(contracts: list[Contract]) -> list[ContractRow]:
    """Rows for the given contracts: two queries (billed lines, price changes)."""
    ids = [c.pk for c in contracts]
    if not ids:
        return []
    lines: dict[int, list[BilledLine]] = defaultdict(list)
    for values in _lines_query(ids):
        line = BilledLine(*values)
        lines[line.contract_id].append(line)
    changes = _price_changes(ids)
    return [_row(c, lines[c.pk], changes[c.pk]) for c in contracts]


# The customer's overview (Verträge Übersicht) -----------------------------------------------


@dataclass
class CustomerOverview:
    customer: Customer
    tab: str
    counts: dict[str, int]
    rows: list[ContractRow]


def customer_overview(customer_pk: int, tab: str, today: date) -> CustomerOverview:
    """Four queries: customer, contracts, billed lines, price changes."""
    customer = Customer.objects.get(pk=customer_pk)
    tab = tab if tab in STATES else ACTIVE
    contracts = list(
        Contract.objects.filter(customer=customer)
        .select_related("contract_type")
        .order_by("start", "reference")
    )
    counts = dict.fromkeys(STATES, 0)
    for contract in contracts:
        counts[contract_state(contract, today)] += 1
    selected = [c for c in contracts if contract_state(c, today) == tab]
    return CustomerOverview(customer, tab, counts, contract_rows(selected))


# The global list --------------------------------------------------------------------------


@dataclass(frozen=True)
class ContractFilter:
    q: str = ""
    contract_type: str = ""
    category: str = ""
    state: str = ""


def contract_search(f: ContractFilter, today: date) -> QuerySet[Contract]:
    qs = Contract.objects.select_related("customer", "contract_type")
    for term in f.q.split():
        qs = qs.filter(
            Q(customer__number__icontains=term)
            | Q(customer__company__icontains=term)
            | Q(customer__city__icontains=term)
            | Q(reference__icontains=term)
            | Q(description__icontains=term)
            | Q(contract_type__name__icontains=term)
        )
    if f.contract_type:
        qs = qs.filter(contract_type_id=f.contract_type)
    if f.category:
        qs = qs.filter(contract_type__category=f.category)
    if f.state in STATES:
        qs = qs.filter(state_q(f.state, today))
    return qs.order_by("customer__number", "start", "reference")


def contract_page(f: ContractFilter, page, today: date, per_page: int = 50):
    """One page with rows: four queries (count, contracts, billed lines, price changes)."""
    page = Paginator(contract_search(f, today), per_page).get_page(page)
    page.rows = contract_rows(list(page.object_list))
    return page


def contract_types() -> list[ContractType]:
    return list(ContractType.objects.order_by("name"))


# One contract -----------------------------------------------------------------------------


@dataclass
class ContractDetail:
    row: ContractRow
    price_changes: list[PriceChange]
    revenue_months: list[tuple[tuple[int, int], Decimal]]
    revenue_quarters: list[tuple[tuple[int, int], Decimal]]
    revenue_years: list[tuple[int, Decimal]]
    revenue_total: Decimal

    @property
    def contract(self) -> Contract:
        return self.row.contract


def contract_detail(pk: int) -> ContractDetail:
    """Four queries: contract (with customer and type), domains, billed lines, price changes."""
    contract = (
        Contract.objects.select_related("customer", "contract_type")
        .prefetch_related("domains")
        .get(pk=pk)
    )
    lines = [BilledLine(*values) for values in _lines_query([contract.pk])]
    price_changes = list(PriceChange.objects.filter(contract=contract).order_by("valid_from"))
    row = _row(contract, lines, [engine.PriceChange(p.valid_from, p.fee) for p in price_changes])
    revenue_lines = [
        RevenueLine(start=line.period_start, end=line.period_end, net=line.net)
        if line.kind == InvoiceLine.Kind.PERIOD and line.period_end is not None
        else RevenueLine(start=line.period_start or contract.start, end=None, net=line.net)
        for line in lines
    ]
    months = revenue_by_month(revenue_lines)
    return ContractDetail(
        row=row,
        price_changes=price_changes,
        revenue_months=list(months.items()),
        revenue_quarters=list(revenue_by_quarter(months).items()),
        revenue_years=list(revenue_by_year(months).items()),
        revenue_total=sum(months.values(), Decimal("0.00")),
    )


def contract_invoices(contract: Contract):
    """Invoices (and credit notes) holding lines of the contract, with this contract's share.

    One query: the filter on the lines also restricts the aggregates to this contract.
    """
    return list(
        Invoice.objects.filter(lines__contract=contract)
        .annotate(
            contract_net=Sum("lines__net"),
            first_day=Min("lines__period_start"),
            last_day=Max("lines__period_end"),
        )
        .order_by("-run_date", "-id")
    )


# The customer hub panel ---------------------------------------------------------------------


@dataclass
class HubSummary:
    active_count: int
    upcoming_count: int
    monthly_revenue: Decimal
    next_due: date | None


def customer_hub_summary(customer: Customer, today: date) -> HubSummary:
    """Three queries: the running and upcoming contracts, their billed lines, price changes."""
    contracts = list(
        Contract.objects.filter(customer=customer)
        .filter(state_q(ACTIVE, today) | state_q(UPCOMING, today))
        .select_related("contract_type")
    )
    rows = contract_rows(contracts)
    active = [r for r in rows if contract_state(r.contract, today) == ACTIVE]
    monthly = sum((r.monthly_amount(today) for r in active), Decimal("0"))
    dues = [r.next_due for r in rows if r.next_due is not None]
    return HubSummary(
        active_count=len(active),
        upcoming_count=len(rows) - len(active),
        monthly_revenue=monthly.quantize(CENT),
        next_due=min(dues) if dues else None,
    )


# One-off items ---------------------------------------------------------------------------


def one_off_items(customer: Customer) -> list[OneOffItem]:
    """The customer's one-off items, each with the invoice that bills it (one query)."""
    billing = InvoiceLine.objects.filter(one_off_item=OuterRef("pk"), bills=True)
    items = list(
        OneOffItem.objects.filter(customer=customer)
        .select_related("contract")
        .annotate(
            billed=Exists(billing),
            billed_invoice_id=Subquery(billing.values("invoice_id")[:1]),
            billed_invoice_number=Subquery(billing.values("invoice__number")[:1]),
        )
        .order_by("-service_date", "-id")
    )
    for item in items:
        item.net = engine.round_cents(item.quantity * item.unit_price)
    return items
