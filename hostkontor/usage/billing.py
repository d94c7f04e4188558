"""Usage lines for the billing run.

``usage_lines_for(customer_ids, run_date)`` -> ``{customer_id: [LineDraft, ...]}``: for every
usage component of the customers' started contracts, one line per billing period that is due
(run date after the period's last day, in arrears), not billed yet and not held back for gaps.
A fixed number of queries per call (components, billed lines, mappings, records, holds; plus
one hold upsert per newly held period with ``record_holds``).

The billing run calls it once per customer batch, inside the batch's transaction, and passes
the lines to ``draft_invoice(..., extra_lines=...)``; the partial unique index
``invoiceline_usage_period_once`` makes every (component, period) billed at most once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone

from hostkontor.billing.drafting import LineDraft
from hostkontor.billing.engine import format_date
from hostkontor.billing.engine.tax import applied_rate

from .evaluation import PeriodUsage, billed_lines, contract_periods, evaluate
from .models import Unit, UsageComponent, UsagePeriodHold

TEXTS = {
    "de": {
        "measured": "gemessen",
        "included": "inkl.",
        "billable": "berechnet",
        "at": "à",
        "piece": "Stück",
        "decimal": ",",
        "group": ".",
    },
    "en": {
        "measured": "measured",
        "included": "incl.",
        "billable": "billed",
        "at": "at",
        "piece": "pcs.",
        "decimal": ".",
        "group": ",",
    },
}


def _texts(language: str) -> dict[str, str]:
    return TEXTS.get((language or "de")[:2], TEXTS["de"])


def format_number(
    value: Decimal, language: str, *, places: int | None = None, min_places: int = 0
) -> str:
    """``1234.5`` -> ``1.234,5`` (de) / ``1,234.5`` (en); ``places`` rounds half up first,
    trailing zeros are dropped down to ``min_places``."""
    words = _texts(language)
    if places is not None:
        value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    value = value.normalize()
    if value == 0:
        value = Decimal(0)
    if -value.as_tuple().exponent < min_places:
        value = value.quantize(Decimal(1).scaleb(-min_places))
    sign = "-" if value < 0 else ""
    text = format(abs(value), "f")
    whole, _, fraction = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    result = words["group"].join(groups)
    if fraction:
        result += words["decimal"] + fraction
    return sign + result


def format_money(value: Decimal, language: str) -> str:
    return f"{format_number(value, language, min_places=2)} €"


def unit_text(unit: str, language: str) -> str:
    return _texts(language)["piece"] if unit == Unit.PIECE else unit


def describe(usage: PeriodUsage, language: str) -> str:
    """``Traffic 01.11.2026 – 30.11.2026: gemessen 1.234,5 GB, inkl. 1.000 GB, berechnet 235 GB
    à 0,10 €`` (tiers: ``berechnet 235 GB (100 GB à 0,10 €, 135 GB à 0,08 €)``)."""
    words = _texts(language)
    charge = usage.charge
    assert charge is not None
    unit = unit_text(charge.unit, language)
    period = usage.period
    head = f"{usage.component.name} {format_date(period.start)} – {format_date(period.end)}"
    parts = [
        f"{words['measured']} {format_number(charge.measured, language, places=2)} {unit}",
        f"{words['included']} {format_number(charge.included, language)} {unit}",
    ]
    billable = f"{words['billable']} {format_number(charge.billable, language)} {unit}"
    if charge.unit_price is not None:
        billable += f" {words['at']} {format_money(charge.unit_price, language)}"
    elif charge.lines:
        slices = ", ".join(
            f"{format_number(line.quantity, language)} {unit} {words['at']} {format_money(line.unit_price, language)}"
            for line in charge.lines
        )
        billable += f" ({slices})"
    parts.append(billable)
    return f"{head}: {', '.join(parts)}"


QUANTITY_PLACES = Decimal("0.001")  # InvoiceLine.quantity has three decimal places


def line_for(usage: PeriodUsage, *, treatment: str, language: str) -> LineDraft:
    charge = usage.charge
    assert charge is not None
    contract = usage.component.contract
    return LineDraft(
        kind="usage",
        description=describe(usage, language),
        quantity=charge.billable.quantize(QUANTITY_PLACES, rounding=ROUND_HALF_UP),
        net=charge.net,
        tax_rate=applied_rate(treatment, contract.tax_rate),
        unit_price=charge.unit_price,
        period_start=usage.period.start,
        period_end=usage.period.end,
        contract_id=contract.pk,
        contract_reference=contract.reference,
        usage_component_id=usage.component.pk,
    )


def due_usage(customer_ids: Sequence[int], run_date: date) -> list[PeriodUsage]:
    """Every due, unbilled (component, period) of the customers, measured (held ones too)."""
    components = list(
        UsageComponent.objects.filter(
            contract__customer_id__in=list(customer_ids), contract__start__lte=run_date
        )
        .select_related("contract", "contract__customer")
        .order_by("pk")
    )
    if not components:
        return []
    billed = billed_lines(c.pk for c in components)
    periods = {}
    for component in components:
        periods[component.pk] = [
            p
            for p in contract_periods(component, until=run_date)
            if run_date > p.end and (component.pk, p.start) not in billed
        ]
    return evaluate(components, periods, billed=billed)


def usage_lines_for(
    customer_ids: Sequence[int], run_date: date, *, record_holds: bool = False
) -> dict[int, list[LineDraft]]:
    """The usage lines due on ``run_date``, by customer id. With ``record_holds`` (a real run,
    not a preview) periods held back for gaps are written as open :class:`UsagePeriodHold`
    rows, and open holds whose gaps were filled are marked filled."""
    lines: dict[int, list[LineDraft]] = defaultdict(list)
    held: list[PeriodUsage] = []
    filled: list[int] = []
    for usage in due_usage(customer_ids, run_date):
        if usage.charge is None:
            continue  # misconfigured component: shown on the usage page, never billed blindly
        if usage.held:
            held.append(usage)
            continue
        if usage.hold is not None and usage.hold.status == UsagePeriodHold.Status.OPEN:
            filled.append(usage.hold.pk)
        customer = usage.component.contract.customer
        lines[customer.pk].append(
            line_for(usage, treatment=customer.tax_treatment, language=customer.language)
        )
    if record_holds:
        record_period_holds(held)
        if filled:
            UsagePeriodHold.objects.filter(
                pk__in=filled, status=UsagePeriodHold.Status.OPEN
            ).update(status=UsagePeriodHold.Status.FILLED)
    return dict(lines)


def record_period_holds(held: Sequence[PeriodUsage]) -> None:
    """Open a hold for every held period that has none; refresh the gaps of open ones."""
    now = timezone.now()
    for usage in held:
        values = {
            "period_end": usage.period.end,
            "gaps": usage.gaps[:50],
            "missing_samples": usage.missing_samples,
            "coverage": usage.coverage,
        }
        if usage.hold is None:
            usage.hold, _ = UsagePeriodHold.objects.get_or_create(
                component=usage.component, period_start=usage.period.start, defaults=values
            )
        elif usage.hold.status != UsagePeriodHold.Status.CONFIRMED:
            UsagePeriodHold.objects.filter(
                Q(pk=usage.hold.pk) & ~Q(status=UsagePeriodHold.Status.CONFIRMED)
            ).update(status=UsagePeriodHold.Status.OPEN, detected_at=now, **values)
