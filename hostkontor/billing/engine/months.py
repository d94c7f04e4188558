"""Calendar month arithmetic for contract periods.

Billing periods are always computed as ``start + n months`` from the contract's
start, never by chaining ``+1 month`` steps: chaining would drift
(31.01. -> 28.02. -> 28.03.), counting from the start keeps the start's day
wherever the target month has it (31.01. -> 28.02. -> 31.03.).
"""

from __future__ import annotations

import calendar
from datetime import date

__all__ = ["add_months", "days_in_month", "format_date"]


def days_in_month(year: int, month: int) -> int:
    """Number of days of the given month (28..31)."""
    return calendar.monthrange(year, month)[1]


def add_months(d: date, n: int) -> date:
    """Return ``d`` shifted by ``n`` calendar months (``n`` may be negative).

    The day of month is kept; if the target month is shorter, it is clamped
    to that month's last day (2026-01-31 + 1 = 2026-02-28).
    """
    index = d.year * 12 + (d.month - 1) + n
    year, month0 = divmod(index, 12)
    month = month0 + 1
    return date(year, month, min(d.day, days_in_month(year, month)))


def format_date(d: date) -> str:
    """German date format used in messages and line texts: ``dd.mm.yyyy``."""
    return f"{d.day:02d}.{d.month:02d}.{d.year:04d}"
