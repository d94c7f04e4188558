"""Contract terms as the engine sees them, and their validation.

``ContractTerms`` is a plain snapshot: the database layer builds it from a
contract row plus what is already billed (``setup_billed``,
``billed_period_starts``), the engine derives due lines from it. Nothing here
reads a clock, settings or the ORM, so every rule is testable to the cent.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from .months import add_months, format_date

__all__ = [
    "Alignment",
    "ContractTerms",
    "FeeUnit",
    "Interval",
    "Mode",
    "PriceChange",
    "TermsError",
    "check_terms",
    "earliest_end",
    "validate_terms",
]


class _MonthSpan(StrEnum):
    """Shared ``.months`` lookup for FeeUnit and Interval (same five values)."""

    @property
    def months(self) -> int:
        return _MONTHS[self.value]


_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12, "two_years": 24}


class FeeUnit(_MonthSpan):
    """What span of time ``fee`` pays for (Abrechnungseinheit)."""

    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"
    TWO_YEARS = "two_years"


class Interval(_MonthSpan):
    """How long one billed period is (Abrechnungsintervall)."""

    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"
    TWO_YEARS = "two_years"


class Mode(StrEnum):
    """``advance``: due from the period's first day; ``arrears``: after its last."""

    ADVANCE = "advance"
    ARREARS = "arrears"


class Alignment(StrEnum):
    """Where period boundaries lie: on the start's day or on calendar boundaries."""

    ANNIVERSARY = "anniversary"
    CALENDAR = "calendar"


@dataclass(frozen=True, slots=True)
class PriceChange:
    """From ``valid_from`` on (inclusive) the recurring fee is ``fee``."""

    valid_from: date
    fee: Decimal


def _coerce(value, enum_type):
    return value if isinstance(value, enum_type) else enum_type(value)


@dataclass(frozen=True, kw_only=True, slots=True)
class ContractTerms:
    """Snapshot of one recurring contract plus its billing state.

    ``fee`` applies from ``start`` until the first ``price_changes`` entry.
    ``billed_until`` is the import cut-off of an earlier system (everything up to
    and including that day, setup included, counts as billed); billing runs do
    not move it — what runs billed is ``billed_period_starts``: the period starts
    on non-cancelled invoices (a credit note removes them, so they are due again).
    Enum fields also accept their string values.
    """

    key: str
    start: date
    end: date | None = None
    setup_fee: Decimal
    fee: Decimal
    fee_unit: FeeUnit
    interval: Interval
    mode: Mode
    alignment: Alignment
    tax_rate: Decimal
    min_term_months: int = 0
    quantity: Decimal = Decimal("1")
    billed_until: date | None = None
    setup_billed: bool = False
    billed_period_starts: frozenset[date] = field(default_factory=frozenset)
    price_changes: tuple[PriceChange, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "fee_unit", _coerce(self.fee_unit, FeeUnit))
        object.__setattr__(self, "interval", _coerce(self.interval, Interval))
        object.__setattr__(self, "mode", _coerce(self.mode, Mode))
        object.__setattr__(self, "alignment", _coerce(self.alignment, Alignment))
        object.__setattr__(self, "billed_period_starts", frozenset(self.billed_period_starts))
        object.__setattr__(
            self, "price_changes", tuple(sorted(self.price_changes, key=lambda c: c.valid_from))
        )


class TermsError(ValueError):
    """A contract violates a rule; ``field`` names the offending field.

    For the minimum-term rule ``earliest_end`` carries the earliest allowed end
    date, so a form can show or prefill it in its own language.
    """

    def __init__(self, field: str, message: str, *, earliest_end: date | None = None):
        super().__init__(message)
        self.field = field
        self.message = message
        self.earliest_end = earliest_end

    def __repr__(self) -> str:
        return f"TermsError({self.field!r}, {self.message!r}, earliest_end={self.earliest_end!r})"


def earliest_end(start: date, min_term_months: int) -> date:
    """Earliest allowed ``end``: ``start + min_term_months - 1 day``, never before ``start``."""
    return max(start, add_months(start, min_term_months) - timedelta(days=1))


def _money_errors(name: str, value) -> Iterator[TermsError]:
    if not isinstance(value, Decimal) or not value.is_finite():
        yield TermsError(name, f"{name} must be a finite Decimal, got {value!r}.")
    elif value < 0:
        yield TermsError(name, f"{name} must not be negative.")


def check_terms(terms: ContractTerms) -> list[TermsError]:
    """Every rule violation of ``terms`` (empty list = valid), for forms showing all."""
    errors: list[TermsError] = []
    if not isinstance(terms.min_term_months, int) or terms.min_term_months < 0:
        errors.append(
            TermsError("min_term_months", "The minimum term must be a whole number >= 0.")
        )
    elif terms.end is not None:
        limit = earliest_end(terms.start, terms.min_term_months)
        if terms.end < limit:
            errors.append(
                TermsError(
                    "end",
                    f"The contract cannot end before {format_date(limit)} "
                    f"(start {format_date(terms.start)}, "
                    f"minimum term {terms.min_term_months} months).",
                    earliest_end=limit,
                )
            )
    if terms.billed_until is not None and terms.billed_until < terms.start:
        errors.append(
            TermsError(
                "billed_until",
                f"'Billed until' cannot be before the start {format_date(terms.start)}.",
            )
        )
    if not isinstance(terms.quantity, Decimal) or not terms.quantity.is_finite():
        errors.append(TermsError("quantity", "The quantity must be a finite Decimal."))
    elif terms.quantity <= 0:
        errors.append(TermsError("quantity", "The quantity must be greater than 0."))
    errors.extend(_money_errors("setup_fee", terms.setup_fee))
    errors.extend(_money_errors("fee", terms.fee))
    errors.extend(_money_errors("tax_rate", terms.tax_rate))
    seen: set[date] = set()
    for change in terms.price_changes:
        errors.extend(_money_errors("price_changes", change.fee))
        if change.valid_from in seen:
            errors.append(
                TermsError(
                    "price_changes",
                    f"Two price changes on {format_date(change.valid_from)}.",
                )
            )
        seen.add(change.valid_from)
    return errors


def validate_terms(terms: ContractTerms) -> None:
    """Raise the first ``TermsError`` of ``terms``; return ``None`` when valid."""
    errors = check_terms(terms)
    if errors:
        raise errors[0]
