"""Measure usage components per billing period, from the database, in bulk.

Shared by the billing run (:mod:`hostkontor.usage.billing`) and the usage pages
(:mod:`hostkontor.usage.selectors`). A fixed number of queries for any number of components
and periods: billed usage lines (1), subject mappings (1), records (1, streamed), holds (1).

Rules
-----
* The periods are the contract's billing periods (``billing.engine.iter_periods``) whatever its
  fee mode: usage is always billed in arrears, a period is due when the run date is after its
  last day. Periods ending on or before the contract's ``billed_until`` (an earlier system billed
  them) or before the component's ``billed_from`` are never billed.
* A period covers local days (``settings.TIME_ZONE``): ``[start 00:00, end + 1 day 00:00)``.
  A record belongs to the period (and to a subject mapping's validity) that contains its
  ``start``.
* Several subjects of one component add up per sample time (a bundle of ports is billed as one
  port); ``measure``/``rate_usage`` of :mod:`.metering` do the rest.
* Volumes: a sample lying completely inside an earlier-starting (or equal-start, longer) sample
  of the same subject mapping and metric is not counted again -- a vnStat day total and the
  5-minute buckets of that day, imported from two exports, are the same bytes.
* Gaps: with ``sample_interval`` set, every subject mapping's part of the period must be covered
  by its samples; a gap of at least one interval (or a period no mapping covers) holds the
  period back until a hold is confirmed or a later import fills the gap.
"""

from __future__ import annotations

import logging
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings

from hostkontor.billing.engine import Period, iter_periods
from hostkontor.billing.models import InvoiceLine
from hostkontor.contracts.services import terms_from

from . import metering
from .models import SubjectMapping, UsageComponent, UsagePeriodHold, UsageRecord

logger = logging.getLogger(__name__)

ONE_DAY = timedelta(days=1)
MAX_GAPS_SHOWN = 20


@cache
def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_start(day: date) -> datetime:
    """Local midnight of ``day`` as UTC."""
    return datetime.combine(day, time(), local_zone()).astimezone(UTC)


def period_span(period: Period) -> tuple[datetime, datetime]:
    return day_start(period.start), day_start(period.end + ONE_DAY)


def pure_component(component: UsageComponent) -> metering.UsageComponent:
    """The metering dataclass of a component row (``ValueError`` when misconfigured)."""
    tiers = tuple(
        metering.Tier(
            None if tier.get("up_to") in (None, "") else Decimal(str(tier["up_to"])),
            Decimal(str(tier["unit_price"])),
        )
        for tier in (component.tiers or ())
    )
    return metering.UsageComponent(
        metric=component.metric,
        unit=component.unit,
        included=component.included,
        unit_price=None if tiers else component.unit_price,
        tiers=tiers,
        tier_mode=component.tier_mode,
        rounding_step=component.rounding_step,
        rounding=component.rounding,
        byte_base=int(component.byte_base),
        direction=component.direction or None,
        aggregation=component.aggregation,
    )


def contract_periods(
    component: UsageComponent, *, until: date, since: date | None = None, with_prior: bool = False
) -> list[Period]:
    """The component's billing periods that start on or before ``until`` (and end on or after
    ``since``), without those before ``billed_from`` and -- unless ``with_prior`` -- those an
    earlier system billed (ending on or before the contract's ``billed_until``)."""
    contract = component.contract
    periods = []
    for period in iter_periods(terms_from(contract)):
        if period.start > until:
            break
        if (
            not with_prior
            and contract.billed_until is not None
            and period.end <= contract.billed_until
        ):
            continue
        if component.billed_from is not None and period.end < component.billed_from:
            continue
        if since is not None and period.end < since:
            continue
        periods.append(period)
    return periods


@dataclass(frozen=True)
class BilledLine:
    line_id: int
    invoice_id: int
    invoice_number: str | None
    invoice_status: str
    quantity: Decimal
    net: Decimal


@dataclass
class PeriodUsage:
    """What a component measured in one billing period and what it costs."""

    component: UsageComponent
    period: Period
    start: datetime
    end: datetime
    charge: metering.UsageCharge | None = None
    error: str = ""
    samples: int = 0
    checked: bool = False  # sample_interval set: gaps were looked for
    gaps: list[dict] = field(default_factory=list)
    missing_samples: int = 0
    coverage: Decimal = Decimal(1)
    hold: UsagePeriodHold | None = None
    billed: BilledLine | None = None

    @property
    def has_gaps(self) -> bool:
        return bool(self.gaps)

    @property
    def confirmed(self) -> bool:
        return self.hold is not None and self.hold.status == UsagePeriodHold.Status.CONFIRMED

    @property
    def held(self) -> bool:
        """Gaps and nobody confirmed: not billed."""
        return self.has_gaps and not self.confirmed

    def due(self, run_date: date) -> bool:
        return run_date > self.period.end


def billed_lines(component_ids: Iterable[int]) -> dict[tuple[int, date], BilledLine]:
    """One query: the usage lines that still bill, by (component, period start)."""
    rows = InvoiceLine.objects.filter(
        usage_component_id__in=list(component_ids), kind=InvoiceLine.Kind.USAGE, bills=True
    ).values_list(
        "usage_component_id",
        "period_start",
        "id",
        "invoice_id",
        "invoice__number",
        "invoice__status",
        "quantity",
        "net",
    )
    return {(cid, start): BilledLine(*rest) for cid, start, *rest in rows}


@dataclass
class _Window:
    """A subject mapping's validity as UTC instants (``start`` inclusive, ``end`` exclusive)."""

    mapping_id: int
    subject: str
    source: str
    component_id: int
    metrics: dict[str, str | None]  # record metric -> direction "in"/"out"/None
    start: datetime | None
    end: datetime | None
    volume: bool = False


def _windows(
    mappings: Sequence[SubjectMapping], components: dict[int, UsageComponent]
) -> dict[str, list[_Window]]:
    by_subject: dict[str, list[_Window]] = defaultdict(list)
    for mapping in mappings:
        component = components[mapping.component_id]
        if component.direction:
            metrics = {f"{component.metric}_in": "in", f"{component.metric}_out": "out"}
        else:
            metrics = {component.metric: None}
        starts = [d for d in (mapping.valid_from, component.billed_from) if d is not None]
        by_subject[mapping.subject_key].append(
            _Window(
                mapping_id=mapping.pk,
                subject=mapping.subject_key,
                source=mapping.source,
                component_id=mapping.component_id,
                metrics=metrics,
                start=day_start(max(starts)) if starts else None,
                end=day_start(mapping.valid_to + ONE_DAY) if mapping.valid_to else None,
                volume=component.aggregation == "volume",
            )
        )
    return by_subject


class _Bucket:
    __slots__ = ("inbound", "outbound", "values", "spans", "samples")

    def __init__(self) -> None:
        self.inbound: dict[datetime, Decimal] = {}
        self.outbound: dict[datetime, Decimal] = {}
        self.values: dict[datetime, Decimal] = {}
        self.spans: dict[int, dict[datetime, datetime]] = defaultdict(
            dict
        )  # mapping -> start -> end
        self.samples = 0


def evaluate(
    components: Sequence[UsageComponent],
    periods: dict[int, list[Period]],
    *,
    billed: dict[tuple[int, date], BilledLine] | None = None,
) -> list[PeriodUsage]:
    """Measure and price every (component, period) given. Components need ``contract``
    loaded. Three queries (mappings, records, holds) plus one for ``billed`` if not given."""
    by_id = {c.pk: c for c in components}
    results: dict[tuple[int, int], PeriodUsage] = {}
    spans_by_component: dict[int, tuple[list[datetime], list[datetime]]] = {}
    for component in components:
        starts, ends = [], []
        for index, period in enumerate(periods.get(component.pk, ())):
            start, end = period_span(period)
            results[(component.pk, index)] = PeriodUsage(component, period, start, end)
            starts.append(start)
            ends.append(end)
        spans_by_component[component.pk] = (starts, ends)
    if not results:
        return []
    if billed is None:
        billed = billed_lines(by_id)

    mappings = list(SubjectMapping.objects.filter(component_id__in=list(by_id)).order_by("pk"))
    windows = _windows(mappings, by_id)
    mappings_of: dict[int, list[_Window]] = defaultdict(list)
    for subject_windows in windows.values():
        for window in subject_windows:
            mappings_of[window.component_id].append(window)

    buckets: dict[tuple[int, int], _Bucket] = defaultdict(_Bucket)
    if windows:
        lo = min(r.start for r in results.values())
        hi = max(r.end for r in results.values())
        metrics = sorted({m for ws in windows.values() for w in ws for m in w.metrics})
        rows = (
            UsageRecord.objects.filter(
                subject__in=list(windows), metric__in=metrics, start__gte=lo, start__lt=hi
            )
            .order_by("subject", "metric", "start", "-end")
            .values_list("source", "subject", "metric", "start", "end", "quantity")
            .iterator(chunk_size=20000)
        )
        covered_until: dict[tuple[int, str], datetime] = {}
        for source, subject, metric, start, end, quantity in rows:
            for window in windows[subject]:
                if metric not in window.metrics or (window.source and window.source != source):
                    continue
                if (window.start is not None and start < window.start) or (
                    window.end is not None and start >= window.end
                ):
                    continue
                if window.volume:
                    # a volume sample inside an already counted one (a vnStat day and its
                    # 5-minute buckets) is the same traffic: the enclosing sample wins
                    state = (window.mapping_id, metric)
                    until = covered_until.get(state)
                    if until is not None and end <= until:
                        continue
                    covered_until[state] = end if until is None else max(until, end)
                starts, ends = spans_by_component[window.component_id]
                index = bisect_right(starts, start) - 1
                if index < 0 or start >= ends[index]:
                    continue
                bucket = buckets[(window.component_id, index)]
                direction = window.metrics[metric]
                series = (
                    bucket.values
                    if direction is None
                    else bucket.inbound
                    if direction == "in"
                    else bucket.outbound
                )
                series[start] = series.get(start, 0) + quantity
                bucket.spans[window.mapping_id][start] = end
                bucket.samples += 1

    holds = {
        (h.component_id, h.period_start): h
        for h in UsagePeriodHold.objects.filter(component_id__in=list(by_id)).select_related(
            "confirmed_by"
        )
    }
    pures: dict[int, metering.UsageComponent | str] = {}
    for component in components:
        try:
            pures[component.pk] = pure_component(component)
        except (ValueError, TypeError, ArithmeticError, KeyError) as error:
            pures[component.pk] = str(error)

    for (component_id, index), result in results.items():
        component = by_id[component_id]
        bucket = buckets.get((component_id, index)) or _Bucket()
        result.samples = bucket.samples
        result.hold = holds.get((component_id, result.period.start))
        result.billed = billed.get((component_id, result.period.start))
        pure = pures[component_id]
        if isinstance(pure, str):
            result.error = pure
            continue
        if component.direction:
            raw = metering.measure(pure, inbound=bucket.inbound, outbound=bucket.outbound)
        else:
            raw = metering.measure(pure, values=bucket.values)
        result.charge = metering.rate_usage(pure, raw)
        if component.sample_interval:
            _check_gaps(result, mappings_of.get(component_id, ()), bucket)
    return [
        results[key]
        for key in sorted(
            results, key=lambda k: (by_id[k[0]].contract.reference, by_id[k[0]].name, k)
        )
    ]


def _check_gaps(result: PeriodUsage, windows: Iterable[_Window], bucket: _Bucket) -> None:
    interval = timedelta(seconds=result.component.sample_interval)
    result.checked = True
    gaps: list[dict] = []
    missing = 0
    covered = timedelta(0)
    total = timedelta(0)
    for window in windows:
        start = max(result.start, window.start or result.start)
        end = min(result.end, window.end or result.end)
        if start >= end:
            continue
        spans = bucket.spans.get(window.mapping_id, {})
        coverage = metering.find_gaps(
            spans.items(), interval=interval, start=start, end=end, min_gap=interval
        )
        total += end - start
        covered += coverage.covered
        missing += coverage.missing_samples
        for gap_start, gap_end in coverage.gaps:
            gaps.append({"subject": window.subject, "start": _iso(gap_start), "end": _iso(gap_end)})
    if total == timedelta(0):
        # no subject is mapped for any of the period: nothing could be measured
        gaps.append({"subject": "", "start": _iso(result.start), "end": _iso(result.end)})
        missing = (result.end - result.start) // interval
        result.coverage = Decimal(0)
    else:
        result.coverage = (
            Decimal(covered // timedelta(seconds=1)) / Decimal(total // timedelta(seconds=1))
        ).quantize(Decimal("0.0001"))
    result.gaps = gaps
    result.missing_samples = missing


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
