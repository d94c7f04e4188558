"""Reading domains with their contracts' billing state. Every function runs a fixed number of
queries, whatever the number of rows (tested).

A domain's due date (Fälligkeit) and "billed until" come from its contract: the billing
engine applied to the contract terms and the invoice lines that still bill
(``contracts.selectors.contract_rows``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet

from hostkontor.contracts.models import Contract
from hostkontor.contracts.selectors import ContractRow, contract_rows
from hostkontor.core.models import AuditEvent
from hostkontor.customers.models import Customer

from .models import (
    Domain,
    DomainOwnership,
    Registrar,
    RegistrarImport,
    RegistrarMapping,
    RegistrarUpload,
    TldPrice,
)
from .reconciliation import ACTIONS, KINDS

PER_PAGE = 50
FINDINGS_SHOWN = 200


@dataclass
class DomainRow:
    domain: Domain
    contract: Contract | None = None
    contract_row: ContractRow | None = None
    since: date | None = None
    until: date | None = None

    @property
    def next_due(self) -> date | None:
        return self.contract_row.next_due if self.contract_row else None

    @property
    def billed_until(self) -> date | None:
        return self.contract_row.billed_until if self.contract_row else None


def _is_running(contract: Contract, today: date) -> bool:
    return contract.end is None or contract.end >= today


def pick_contract(contracts: list[Contract], customer_id: int, today: date) -> Contract | None:
    """The contract that bills the domain for the customer: the first running one, else the
    one that ended last."""
    own = [c for c in contracts if c.customer_id == customer_id]
    running = [c for c in own if _is_running(c, today)]
    if running:
        return running[0]
    return max(own, key=lambda c: (c.end, c.pk), default=None)


def _contracts_by_domain(domain_ids) -> dict[int, list[Contract]]:
    """One query: the contracts (with type) that include each domain."""
    through = Contract.domains.through
    links = (
        through.objects.filter(domain_id__in=domain_ids)
        .select_related("contract", "contract__contract_type")
        .order_by("contract__start", "contract_id")
    )
    contracts: dict[int, Contract] = {}
    result: dict[int, list[Contract]] = defaultdict(list)
    for link in links:
        contract = contracts.setdefault(link.contract_id, link.contract)
        result[link.domain_id].append(contract)
    return result


def _fill(rows: list[DomainRow], customer_ids: list[int], today: date) -> list[DomainRow]:
    """Add contract and billing state: three queries (links, billed lines, price changes)."""
    if not rows:
        return rows
    by_domain = _contracts_by_domain({row.domain.pk for row in rows})
    chosen = [
        pick_contract(by_domain.get(row.domain.pk, []), customer_id, today)
        for row, customer_id in zip(rows, customer_ids, strict=True)
    ]
    unique = list({c.pk: c for c in chosen if c is not None}.values())
    contract_state = {r.contract.pk: r for r in contract_rows(unique)}
    for row, contract in zip(rows, chosen, strict=True):
        row.contract = contract
        row.contract_row = contract_state.get(contract.pk) if contract else None
    return rows


# The global list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DomainFilter:
    q: str = ""
    registrar: str = ""
    tld: str = ""
    status: str = ""
    expiring_days: int | None = None
    unbilled: bool = False
    mismatched: bool = False


def running_contract_exists(today: date) -> Exists:
    through = Contract.domains.through
    return Exists(
        through.objects.filter(domain_id=OuterRef("pk")).filter(
            Q(contract__end__isnull=True) | Q(contract__end__gte=today)
        )
    )


def domain_search(f: DomainFilter, today: date) -> QuerySet[Domain]:
    qs = Domain.objects.select_related("customer")
    for term in f.q.split():
        qs = qs.filter(
            Q(name__icontains=term)
            | Q(name_ascii__icontains=term)
            | Q(customer__number__icontains=term)
            | Q(customer__company__icontains=term)
            | Q(handle__icontains=term)
        )
    if f.registrar:
        qs = qs.filter(registrar=f.registrar)
    if f.tld:
        qs = qs.filter(tld=f.tld.lstrip(".").lower())
    if f.status:
        qs = qs.filter(status=f.status)
    if f.expiring_days is not None:
        qs = qs.filter(expires__gte=today, expires__lte=today + timedelta(days=f.expiring_days))
    if f.unbilled:
        qs = qs.filter(~running_contract_exists(today))
    if f.mismatched:
        qs = qs.exclude(issues="")
    return qs.order_by("name")


def domain_page(f: DomainFilter, page, today: date, per_page: int = PER_PAGE):
    """One page with rows: five queries (count, domains, contracts, billed lines, prices)."""
    page = Paginator(domain_search(f, today), per_page).get_page(page)
    domains = list(page.object_list)
    page.rows = _fill([DomainRow(d) for d in domains], [d.customer_id for d in domains], today)
    return page


def filter_choices() -> dict[str, list[str]]:
    """Registrars and TLDs in use (two queries)."""
    return {
        "registrars": list(
            Domain.objects.exclude(registrar="")
            .order_by("registrar")
            .values_list("registrar", flat=True)
            .distinct()
        ),
        "tlds": list(Domain.objects.order_by("tld").values_list("tld", flat=True).distinct()),
    }


# The company's domain overview -------------------------------------------------------------


@dataclass
class CustomerDomains:
    customer: Customer
    current: list[DomainRow]
    former: list[DomainRow]


def customer_domains(customer_pk: int, today: date) -> CustomerDomains:
    """Six queries: customer, ownerships, current domains, contracts, billed lines, prices."""
    customer = Customer.objects.get(pk=customer_pk)
    ownerships = list(
        DomainOwnership.objects.filter(customer=customer)
        .select_related("domain")
        .order_by("domain__name", "valid_from")
    )
    open_since = {o.domain_id: o.valid_from for o in ownerships if o.valid_to is None}
    current = [
        DomainRow(d, since=open_since.get(d.pk))
        for d in Domain.objects.filter(customer=customer).order_by("name")
    ]
    former = [
        DomainRow(o.domain, since=o.valid_from, until=o.valid_to)
        for o in ownerships
        if o.valid_to is not None
    ]
    rows = _fill(current + former, [customer.pk] * (len(current) + len(former)), today)
    return CustomerDomains(customer, rows[: len(current)], rows[len(current) :])


# One domain --------------------------------------------------------------------------------


@dataclass
class DomainDetail:
    row: DomainRow
    ownerships: list[DomainOwnership]
    contracts: list[ContractRow]
    history: list[AuditEvent] = field(default_factory=list)
    has_running_contract: bool = False

    @property
    def domain(self) -> Domain:
        return self.row.domain


def domain_detail(pk: int, today: date) -> DomainDetail:
    """Six queries: domain, ownerships, contracts, billed lines, price changes, history."""
    domain = Domain.objects.select_related("customer").get(pk=pk)
    ownerships = list(domain.ownerships.select_related("customer").order_by("-valid_from", "-id"))
    contracts = _contracts_by_domain([domain.pk]).get(domain.pk, [])
    rows = contract_rows(contracts)
    chosen = pick_contract(contracts, domain.customer_id, today)
    row = DomainRow(
        domain,
        contract=chosen,
        contract_row=next((r for r in rows if chosen and r.contract.pk == chosen.pk), None),
        since=next((o.valid_from for o in ownerships if o.valid_to is None), None),
    )
    history = list(
        AuditEvent.objects.filter(object_type="domains.domain", object_id=str(domain.pk))[:30]
    )
    return DomainDetail(
        row=row,
        ownerships=ownerships,
        contracts=rows,
        history=history,
        has_running_contract=chosen is not None and _is_running(chosen, today),
    )


# The customer hub panel --------------------------------------------------------------------


@dataclass
class HubSummary:
    current_count: int
    mismatch_count: int
    next_due: date | None
    next_due_domain: str


def customer_hub_summary(customer: Customer, today: date) -> HubSummary:
    """Four queries: the customer's domains, their contracts, billed lines, price changes."""
    domains = list(Domain.objects.filter(customer=customer).order_by("name"))
    rows = _fill([DomainRow(d) for d in domains], [customer.pk] * len(domains), today)
    dues = [
        (r.next_due, r.domain.name)
        for r in rows
        if r.next_due is not None and r.contract is not None and _is_running(r.contract, today)
    ]
    first = min(dues, default=(None, ""))
    return HubSummary(
        current_count=len(domains),
        mismatch_count=sum(1 for d in domains if d.issues),
        next_due=first[0],
        next_due_domain=first[1],
    )


# Price list, registrars, mappings ----------------------------------------------------------


def tld_prices() -> list[TldPrice]:
    return list(TldPrice.objects.order_by("tld", "registrar", "-valid_from"))


def registrars() -> list[Registrar]:
    return list(Registrar.objects.select_related("mapping").order_by("name"))


def mappings() -> list[RegistrarMapping]:
    return list(RegistrarMapping.objects.order_by("name"))


# Imports -----------------------------------------------------------------------------------


def import_page(page, registrar: str = "", per_page: int = PER_PAGE):
    """Two queries (count, rows without the stored file)."""
    qs = RegistrarImport.objects.select_related("created_by", "mapping").defer(
        "data", "registrar_data", "mapping_toml"
    )
    if registrar:
        qs = qs.filter(registrar=registrar)
    return Paginator(qs.order_by("-created_at", "-id"), per_page).get_page(page)


def open_uploads(limit: int = 5) -> list[RegistrarUpload]:
    """The newest uploads not (yet) imported: waiting, running or failed. One query."""
    return list(
        RegistrarUpload.objects.exclude(status=RegistrarUpload.Status.DONE)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass
class FindingRow:
    kind: str
    item: dict
    domain: Domain | None
    taken: dict | None
    actions: tuple[str, ...]


@dataclass
class FindingList:
    kind: str
    label: str
    rows: list[FindingRow]
    total: int


@dataclass
class ImportDetail:
    imp: RegistrarImport
    lists: list[FindingList]


def import_detail(pk: int, shown: int = FINDINGS_SHOWN) -> ImportDetail:
    """Two queries: the import and the domains named in the shown findings."""
    imp = RegistrarImport.objects.select_related("created_by", "mapping").defer("data").get(pk=pk)
    taken = {(a["kind"], a["domain"]): a for a in imp.applied}
    shown_items = {kind: imp.result.get(kind, [])[:shown] for kind, _label in KINDS}
    names = {item["domain"] for items in shown_items.values() for item in items}
    domains = {d.name: d for d in Domain.objects.filter(name__in=names).select_related("customer")}
    lists = []
    for kind, label in KINDS:
        rows = [
            FindingRow(
                kind=kind,
                item=item,
                domain=domains.get(item["domain"]),
                taken=taken.get((kind, item["domain"])),
                actions=ACTIONS[kind],
            )
            for item in shown_items[kind]
        ]
        lists.append(FindingList(kind, str(label), rows, len(imp.result.get(kind, []))))
    return ImportDetail(imp=imp, lists=lists)
