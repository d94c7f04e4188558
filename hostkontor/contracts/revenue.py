"""Revenue of a contract per month, quarter and year (pure, no database).

A period line's net is revenue of the days it covers: it is spread over the calendar
months of its period pro rata by days, in whole cents, so that the months of one line add
up exactly to the line (largest remainder; ties go to the earlier month). A quarterly line
of 57.00 for 20.01.–19.04. counts 12 days in January, 28 in February, 31 in March and
19 in April. The setup fee counts in the month the contract starts. Quarters and years are
sums of their months, so every view adds up to the invoiced net.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class RevenueLine:
    """One billed line: a period (start..end) or a setup fee (``end`` is None, counts on ``start``)."""

    start: date
    end: date | None
    net: Decimal


def _month_days(start: date, end: date) -> list[tuple[tuple[int, int], int]]:
    """((year, month), days) for each month that start..end (inclusive) touches."""
    result = []
    day = start
    while day <= end:
        if day.month == 12:
            next_month = date(day.year + 1, 1, 1)
        else:
            next_month = date(day.year, day.month + 1, 1)
        last = min(end, next_month - timedelta(days=1))
        result.append(((day.year, day.month), (last - day).days + 1))
        day = next_month
    return result


def spread_by_month(start: date, end: date, net: Decimal) -> dict[tuple[int, int], Decimal]:
    """``net`` split over the months of start..end by days, in cents summing to ``net``."""
    if end < start:
        raise ValueError(f"period ends ({end}) before it starts ({start})")
    parts = _month_days(start, end)
    total_days = sum(days for _month, days in parts)
    cents = int((abs(net) / CENT).to_integral_value())
    sign = -1 if net < 0 else 1
    shares = []
    for index, (month, days) in enumerate(parts):
        whole, remainder = divmod(cents * days, total_days)
        shares.append([month, whole, remainder, index])
    missing = cents - sum(share[1] for share in shares)
    for share in sorted(shares, key=lambda s: (-s[2], s[3]))[:missing]:
        share[1] += 1
    return {month: sign * Decimal(whole) * CENT for month, whole, _r, _i in shares}


def revenue_by_month(lines: Iterable[RevenueLine]) -> dict[tuple[int, int], Decimal]:
    totals: dict[tuple[int, int], Decimal] = defaultdict(lambda: Decimal("0.00"))
    for line in lines:
        if line.end is None:
            totals[(line.start.year, line.start.month)] += line.net
            continue
        for month, amount in spread_by_month(line.start, line.end, line.net).items():
            totals[month] += amount
    return dict(sorted(totals.items()))


def revenue_by_quarter(months: dict[tuple[int, int], Decimal]) -> dict[tuple[int, int], Decimal]:
    totals: dict[tuple[int, int], Decimal] = defaultdict(lambda: Decimal("0.00"))
    for (year, month), amount in months.items():
        totals[(year, (month - 1) // 3 + 1)] += amount
    return dict(sorted(totals.items()))


def revenue_by_year(months: dict[tuple[int, int], Decimal]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for (year, _month), amount in months.items():
        totals[year] += amount
    return dict(sorted(totals.items()))
