"""Billing periods of a contract.

A ``Period`` knows both the days it covers (``start``..``end``, possibly cut by
the contract's start or end) and the uncut period it belongs to
(``full_start``..``full_end``): proration divides by the full period's days.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from .months import add_months
from .terms import Alignment, ContractTerms

__all__ = ["Period", "iter_periods", "period_grid_start"]

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Period:
    """Days ``start``..``end`` (inclusive) of the full period ``full_start``..``full_end``."""

    start: date
    end: date
    full_start: date
    full_end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def full_days(self) -> int:
        return (self.full_end - self.full_start).days + 1

    @property
    def is_partial(self) -> bool:
        return self.start != self.full_start or self.end != self.full_end


def period_grid_start(terms: ContractTerms) -> date:
    """Anchor the period boundaries are counted from.

    Anniversary: the contract start. Calendar: 1 January of the start year — it
    is a boundary for every interval (months 1, 4, 7, 10 for quarters, ...), and
    for ``two_years`` the spec fixes it as the first boundary.
    """
    if terms.alignment is Alignment.ANNIVERSARY:
        return terms.start
    return date(terms.start.year, 1, 1)


def iter_periods(terms: ContractTerms) -> Iterator[Period]:
    """Yield the contract's periods in order, from ``start`` up to ``end``.

    Open-ended contracts yield forever; callers stop by date. Boundary ``k`` is
    always ``anchor + k * interval`` (never chained), so day clamping in short
    months does not drift.
    """
    step = terms.interval.months
    anchor = period_grid_start(terms)
    if terms.alignment is Alignment.ANNIVERSARY:
        k = 0
    else:
        # Index of the calendar period containing start (anchor is 1 Jan of start's year).
        k = (terms.start.month - 1) // step
    full_start = add_months(anchor, k * step)
    while True:
        next_start = add_months(anchor, (k + 1) * step)
        full_end = next_start - ONE_DAY
        start = max(full_start, terms.start)
        end = full_end if terms.end is None else min(full_end, terms.end)
        yield Period(start=start, end=end, full_start=full_start, full_end=full_end)
        if terms.end is not None and full_end >= terms.end:
            return
        k += 1
        full_start = next_start
