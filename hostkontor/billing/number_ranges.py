"""The invoice and cancellation number ranges: which pattern is in force, when a new one takes
over, and where the counter continues.

- A range's pattern is locked once a number was issued under it: a year's numbers follow one
  pattern. A new pattern is stored as pending and takes over on 1 January of the next year
  (a new range for the new year); until then it can be changed or withdrawn. A range without
  issued numbers takes a new pattern at once.
- The counter of the current period can be set to continue the previous system's numbers
  (e.g. 4711), only upwards: below the next free value a number would be issued twice.
- Invoices and cancellations share one number column, so their patterns in force at the same
  time must not overlap (this year's pair and next year's pair).

Every change is audited. The pattern rules themselves are in ``core/numbering.py``.
"""

from dataclasses import dataclass
from datetime import date

from django.db import transaction

from hostkontor.core.audit import audit_record
from hostkontor.core.numbering import (
    number_counter_next,
    number_counter_raise,
    pattern_prefix,
    pattern_renders,
    patterns_distinct_check,
)

from .models import Invoice, SellerProfile

# range code (= Invoice.kind) -> the profile field holding its pattern
RANGE_FIELDS = {
    Invoice.Kind.INVOICE.value: "invoice_number_pattern",
    Invoice.Kind.CREDIT_NOTE.value: "credit_note_number_pattern",
}


@dataclass(frozen=True)
class RangeRequest:
    """What the settings form asks for one range."""

    pattern: str
    next_value: int | None = None  # None: leave the counter where it is


def pattern_in_force(seller: SellerProfile, range_code: str, on: date) -> str:
    """The pattern numbers of ``range_code`` issued on ``on`` follow."""
    field = RANGE_FIELDS[range_code]
    pending = getattr(seller, f"{field}_next")
    since = getattr(seller, f"{field}_next_from")
    if pending and since and on >= since:
        return pending
    return getattr(seller, field)


def pattern_requested(seller: SellerProfile, range_code: str) -> str:
    """The newest pattern asked for: the pending one, else the one in force."""
    field = RANGE_FIELDS[range_code]
    return getattr(seller, f"{field}_next") or getattr(seller, field)


def pattern_pending(seller: SellerProfile, range_code: str, today: date) -> tuple[str, date] | None:
    """The pattern that takes over later, and from when; None if there is none."""
    field = RANGE_FIELDS[range_code]
    pending = getattr(seller, f"{field}_next")
    since = getattr(seller, f"{field}_next_from")
    if pending and since and since > today:
        return pending, since
    return None


def pattern_locked(pattern: str, range_code: str) -> bool:
    """Whether a number was issued under ``pattern`` in this range."""
    numbers = (
        Invoice.objects.filter(kind=range_code, number__startswith=pattern_prefix(pattern))
        .exclude(number=None)
        .values_list("number", flat=True)
    )
    issued = numbers.iterator(chunk_size=2000)
    try:
        return any(pattern_renders(pattern, number) for number in issued)
    finally:
        issued.close()  # a server-side cursor (PostgreSQL) left open breaks the transaction


def counter_next(seller: SellerProfile, range_code: str, today: date) -> int:
    pattern = pattern_in_force(seller, range_code, today)
    return number_counter_next(range_code=range_code, pattern=pattern, on=today)


def patterns_plan(
    seller: SellerProfile, requested: dict[str, str], today: date
) -> dict[str, tuple[str, str]]:
    """Per range (pattern from today, pattern from next year) if ``requested`` is saved."""
    plan = {}
    for code, pattern in requested.items():
        current = pattern_in_force(seller, code, today)
        if pattern == current or not pattern_locked(current, code):
            plan[code] = (pattern, pattern)
        else:
            plan[code] = (current, pattern)
    return plan


def patterns_plan_check(plan: dict[str, tuple[str, str]]) -> None:
    """The two ranges' patterns in force at the same time must not overlap."""
    invoice, credit_note = plan[Invoice.Kind.INVOICE], plan[Invoice.Kind.CREDIT_NOTE]
    for now_or_later in (0, 1):
        patterns_distinct_check(invoice[now_or_later], credit_note[now_or_later])


def seller_number_ranges_update(
    *, actor, requests: dict[str, RangeRequest], today: date
) -> SellerProfile:
    """Apply the settings form's number-range part (validated by the form) and audit it."""
    with transaction.atomic():
        seller = SellerProfile.objects.select_for_update().get(pk=SellerProfile.current().pk)
        next_year = date(today.year + 1, 1, 1)
        plan = patterns_plan(seller, {c: r.pattern for c, r in requests.items()}, today)
        for code, (now, later) in plan.items():
            field = RANGE_FIELDS[code]
            before = (getattr(seller, field), getattr(seller, f"{field}_next"))
            pending = later if later != now else ""
            setattr(seller, field, now)
            setattr(seller, f"{field}_next", pending)
            setattr(seller, f"{field}_next_from", next_year if pending else None)
            if before != (now, pending):
                audit_record(
                    actor=actor,
                    action="number_range.pattern_scheduled"
                    if pending
                    else "number_range.pattern_changed",
                    obj=seller,
                    changes={
                        "range": ["", code],
                        "pattern": [before[0], now],
                        "pending": [before[1], f"{pending} from {next_year}" if pending else ""],
                    },
                )
        seller.save()
        for code, request in requests.items():
            _counter_update(actor=actor, seller=seller, code=code, request=request, today=today)
    return seller


def _counter_update(*, actor, seller: SellerProfile, code: str, request, today: date) -> None:
    if request.next_value is None:
        return
    pattern = pattern_in_force(seller, code, today)
    previous = number_counter_raise(
        range_code=code, pattern=pattern, on=today, next_value=request.next_value
    )
    if previous != request.next_value:
        audit_record(
            actor=actor,
            action="number_range.counter_raised",
            obj=seller,
            changes={"range": ["", code], "next_value": [str(previous), str(request.next_value)]},
        )
