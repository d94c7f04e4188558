"""Reading usage for the pages. Every function runs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hostkontor.customers.models import Customer

from .charts import bar_chart
from .evaluation import PeriodUsage, billed_lines, contract_periods, evaluate
from .models import (
    SubjectMapping,
    UsageComponent,
    UsageImport,
    UsageMapping,
    UsagePeriodHold,
    UsageRecord,
    UsageUpload,
)

DEFAULT_DAYS = 365

BILLED, PRIOR, RUNNING, HELD, DUE, ERROR = "billed", "prior", "running", "held", "due", "error"


@dataclass
class PeriodRow:
    usage: PeriodUsage
    status: str

    @property
    def period(self):
        return self.usage.period

    @property
    def charge(self):
        return self.usage.charge


@dataclass
class ComponentUsage:
    component: UsageComponent
    rows: list[PeriodRow] = field(default_factory=list)
    mappings: list[SubjectMapping] = field(default_factory=list)
    chart: str = ""

    @property
    def open_holds(self) -> int:
        return sum(1 for row in self.rows if row.status == HELD)


@dataclass
class ContractUsage:
    contract: object
    components: list[ComponentUsage] = field(default_factory=list)


def _status(usage: PeriodUsage, today: date) -> str:
    contract = usage.component.contract
    if usage.billed is not None:
        return BILLED
    if contract.billed_until is not None and usage.period.end <= contract.billed_until:
        return PRIOR
    if usage.error:
        return ERROR
    if today <= usage.period.end:
        return RUNNING
    if usage.held:
        return HELD
    return DUE


def customer_usage(
    customer_pk: int, today: date, since: date | None = None
) -> tuple[Customer, list[ContractUsage], date]:
    """The customer's usage per contract, component and billing period from ``since`` (default:
    a year back, or the last period with records if that is older) up to the running period.
    Eight queries: customer, components, mappings, latest record, billed lines, mappings and
    records and holds (evaluation)."""
    customer = Customer.objects.get(pk=customer_pk)
    components = list(
        UsageComponent.objects.filter(contract__customer=customer)
        .select_related("contract", "contract__contract_type")
        .order_by("contract__reference", "name", "pk")
    )
    mappings = list(
        SubjectMapping.objects.filter(component__in=components).order_by(
            "subject_key", "valid_from", "pk"
        )
    )
    if since is None:
        since = today - timedelta(days=DEFAULT_DAYS)
        latest = None
        if mappings:
            latest = UsageRecord.objects.filter(
                subject__in={m.subject_key for m in mappings}
            ).aggregate(latest=Max("start"))["latest"]
        if latest is not None:
            since = min(since, timezone.localtime(latest).date())
    periods = {
        c.pk: contract_periods(c, until=today, since=since, with_prior=True) for c in components
    }
    billed = billed_lines(c.pk for c in components)
    results = evaluate(components, periods, billed=billed)
    by_component: dict[int, ComponentUsage] = {c.pk: ComponentUsage(c) for c in components}
    for mapping in mappings:
        by_component[mapping.component_id].mappings.append(mapping)
    for usage in results:
        by_component[usage.component.pk].rows.append(PeriodRow(usage, _status(usage, today)))
    contracts: dict[int, ContractUsage] = {}
    for component in components:
        item = by_component[component.pk]
        item.rows.sort(key=lambda row: row.period.start, reverse=True)
        item.chart = _chart(item)
        contracts.setdefault(
            component.contract_id, ContractUsage(component.contract)
        ).components.append(item)
    return customer, list(contracts.values()), since


def _chart(item: ComponentUsage) -> str:
    rows = sorted(item.rows, key=lambda row: row.period.start)
    points = [
        (
            row.period.start.strftime("%m/%y"),
            row.charge.measured if row.charge else Decimal(0),
            row.status == HELD,
        )
        for row in rows
    ]
    return bar_chart(
        points,
        included=item.component.included,
        unit=item.component.unit,
        title=_("%(name)s per billing period") % {"name": item.component.name},
    )


def hub_summary(customer) -> dict:
    """Two queries: the customer's components with their mapping counts, and open holds."""
    components = list(
        UsageComponent.objects.filter(contract__customer=customer)
        .select_related("contract")
        .annotate(subjects=Count("subject_mappings"))
        .order_by("contract__reference", "name")
    )
    holds = UsagePeriodHold.objects.filter(
        component__contract__customer=customer, status=UsagePeriodHold.Status.OPEN
    ).count()
    return {"components": components, "open_holds": holds}


def import_page(number) -> Page:
    return Paginator(
        UsageImport.objects.select_related("created_by", "mapping").order_by("-created_at", "-id"),
        25,
    ).get_page(number)


def open_uploads(limit: int = 5) -> list[UsageUpload]:
    """The newest uploads not (yet) imported: waiting, running or failed. One query."""
    return list(
        UsageUpload.objects.exclude(status=UsageUpload.Status.DONE)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:limit]
    )


def subject_mapping_page(number, q: str = "") -> Page:
    qs = SubjectMapping.objects.select_related("component__contract__customer").order_by(
        "subject_key", "valid_from", "pk"
    )
    if q:
        qs = qs.filter(
            Q(subject_key__icontains=q)
            | Q(component__contract__reference__icontains=q)
            | Q(component__contract__customer__number__icontains=q)
            | Q(component__contract__customer__company__icontains=q)
        )
    return Paginator(qs, 50).get_page(number)


def usage_mappings() -> list[UsageMapping]:
    return list(UsageMapping.objects.order_by("name"))
