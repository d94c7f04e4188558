"""Due invoice lines of a contract at a billing run date.

``due_lines(terms, run_date)`` is the whole billing rule set: which periods are
due (advance / arrears), the setup fee's placement, proration of partial
periods, price history and the ``billed_until`` import cut-off. It is a pure
function: the same terms and date always give the same lines, and feeding the
billed period starts of one run back in makes the next run bill the rest
exactly once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from .money import round_cents
from .periods import Period, iter_periods
from .tax import TaxTreatment, applied_rate
from .terms import ContractTerms, FeeUnit, Interval, Mode, validate_terms

__all__ = [
    "DraftLine",
    "billable_periods",
    "billed_until",
    "due_lines",
    "fee_on",
    "full_period_amount",
    "is_due",
    "next_due_date",
    "next_period",
    "period_amount",
]

ONE_DAY = timedelta(days=1)
ONE = Decimal("1")


@dataclass(frozen=True, slots=True)
class DraftLine:
    """One line of a draft invoice.

    Setup lines have no period (``period_start`` etc. are ``None``) and quantity 1.
    Period lines carry the contract's quantity and the whole amount in ``net``;
    ``days``/``full_days`` explain a proration (equal for a full period).
    ``tax_rate`` is the rate actually applied (0.00 under reverse charge / non-EU).
    """

    contract_key: str
    kind: Literal["setup", "period"]
    period_start: date | None
    period_end: date | None
    quantity: Decimal
    net: Decimal
    tax_rate: Decimal
    days: int | None
    full_days: int | None


def _full_period_exact(
    fee: Decimal, quantity: Decimal, fee_unit: FeeUnit, interval: Interval
) -> Fraction:
    """Unrounded P: proration multiplies this, never the rounded full-period amount."""
    return Fraction(fee) * Fraction(quantity) * interval.months / fee_unit.months


def full_period_amount(
    fee: Decimal, quantity: Decimal, fee_unit: FeeUnit | str, interval: Interval | str
) -> Decimal:
    """``P = fee * quantity * interval_months / fee_unit_months``, rounded once to cents."""
    return round_cents(_full_period_exact(fee, quantity, FeeUnit(fee_unit), Interval(interval)))


def fee_on(terms: ContractTerms, day: date) -> Decimal:
    """Recurring fee in force on ``day``: the latest price change on or before it, else ``fee``."""
    fee = terms.fee
    for change in terms.price_changes:  # sorted by valid_from
        if change.valid_from > day:
            break
        fee = change.fee
    return fee


def _fee_segments(terms: ContractTerms, first: date, last: date) -> list[tuple[Decimal, int]]:
    """(fee, days) for the stretches of ``first``..``last`` with one price each."""
    segments: list[tuple[Decimal, int]] = []
    seg_start, fee = first, fee_on(terms, first)
    for change in terms.price_changes:
        if seg_start < change.valid_from <= last:
            segments.append((fee, (change.valid_from - seg_start).days))
            seg_start, fee = change.valid_from, change.fee
    segments.append((fee, (last - seg_start).days + 1))
    return segments


def period_amount(terms: ContractTerms, period: Period) -> Decimal:
    """Net of a period line: ``sum(P_fee * days_at_fee) / full_days``, rounded once.

    Without price changes that is ``P * days / full_days`` (a full period gets
    exactly ``P``); a period straddling a price change is split pro rata by days.
    """
    exact = sum(
        (
            _full_period_exact(fee, terms.quantity, terms.fee_unit, terms.interval) * days
            for fee, days in _fee_segments(terms, period.start, period.end)
        ),
        Fraction(0),
    )
    return round_cents(exact / period.full_days)


def _has_fee(terms: ContractTerms, period: Period) -> bool:
    return any(fee != 0 for fee, _ in _fee_segments(terms, period.start, period.end))


def _fee_free_from(terms: ContractTerms, day: date) -> bool:
    """True if the fee is 0 on ``day`` and no later price change raises it."""
    return fee_on(terms, day) == 0 and all(
        change.fee == 0 for change in terms.price_changes if change.valid_from > day
    )


def billable_periods(terms: ContractTerms) -> Iterator[Period]:
    """Periods that get a line, in order, regardless of what is billed already.

    Starts after ``billed_until`` (a period containing it yields its rest from
    the next day as a partial period), skips periods without any fee, and ends
    at ``end`` — or, for open-ended contracts, once no fee is ever charged again.
    Open-ended contracts with a fee yield forever; callers stop by date.
    """
    cutoff = terms.billed_until
    for period in iter_periods(terms):
        if cutoff is not None and period.end <= cutoff:
            continue
        if cutoff is not None and period.start <= cutoff:
            period = replace(period, start=cutoff + ONE_DAY)
        if _has_fee(terms, period):
            yield period
        elif terms.end is None and _fee_free_from(terms, period.start):
            return


def is_due(terms: ContractTerms, period: Period, run_date: date) -> bool:
    """``advance``: run date on/after the period's first day; ``arrears``: after its last."""
    if terms.mode is Mode.ADVANCE:
        return run_date >= period.start
    return run_date > period.end


def _setup_due(terms: ContractTerms, run_date: date) -> bool:
    if terms.setup_billed or terms.billed_until is not None or terms.setup_fee == 0:
        return False
    first = next(iter_periods(terms))
    if _has_fee(terms, first):
        # Same invoice as the contract's first period: due together with it.
        return is_due(terms, first, run_date)
    return run_date >= terms.start


def due_lines(
    terms: ContractTerms,
    run_date: date,
    *,
    treatment: TaxTreatment | str = TaxTreatment.DOMESTIC,
) -> list[DraftLine]:
    """Lines a billing run on ``run_date`` must bill for this contract.

    Setup line first (if due), then every due, not yet billed period in order.
    Raises ``TermsError`` for invalid terms.
    """
    validate_terms(terms)
    rate = applied_rate(treatment, terms.tax_rate)
    lines: list[DraftLine] = []
    if _setup_due(terms, run_date):
        lines.append(
            DraftLine(
                contract_key=terms.key,
                kind="setup",
                period_start=None,
                period_end=None,
                quantity=ONE,
                net=round_cents(terms.setup_fee),
                tax_rate=rate,
                days=None,
                full_days=None,
            )
        )
    for period in billable_periods(terms):
        if period.start > run_date:
            break  # neither mode bills a period that has not started
        if period.start in terms.billed_period_starts or not is_due(terms, period, run_date):
            continue
        lines.append(
            DraftLine(
                contract_key=terms.key,
                kind="period",
                period_start=period.start,
                period_end=period.end,
                quantity=terms.quantity,
                net=period_amount(terms, period),
                tax_rate=rate,
                days=period.days,
                full_days=period.full_days,
            )
        )
    return lines


def next_period(terms: ContractTerms) -> Period | None:
    """First period not billed yet (may lie in the past), or ``None`` if all are billed."""
    for period in billable_periods(terms):
        if period.start not in terms.billed_period_starts:
            return period
    return None


def next_due_date(terms: ContractTerms) -> date | None:
    """Earliest run date that bills ``next_period`` (its start, or the day after its end)."""
    period = next_period(terms)
    if period is None:
        return None
    return period.start if terms.mode is Mode.ADVANCE else period.end + ONE_DAY


def billed_until(terms: ContractTerms) -> date | None:
    """Last day billed without a gap: ``billed_until`` extended by billed periods.

    Periods without a fee do not interrupt the chain; a credit-noted period does.
    """
    result = terms.billed_until
    for period in billable_periods(terms):
        if period.start not in terms.billed_period_starts:
            break
        result = period.end
    return result
