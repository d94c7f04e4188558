"""Exact money arithmetic: compute with fractions, round once to cents.

Amounts are built from ``Decimal`` inputs as exact ``Fraction`` values and
rounded exactly once at the end, half up (away from zero on a tie, like
``decimal.ROUND_HALF_UP``, so a credit note mirrors its invoice to the cent).
No decimal context (precision, rounding) can influence a result.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

__all__ = ["CENT", "ZERO", "round_cents"]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def round_cents(value: Fraction | Decimal | int) -> Decimal:
    """Round an exact value to cents, half up; the result has exactly two decimals."""
    hundredths = Fraction(value) * 100
    sign = 1 if hundredths < 0 else 0
    magnitude = abs(hundredths)
    # floor(x + 1/2) rounds a tie up (away from zero, since we work on |x|).
    cents = (magnitude.numerator * 2 + magnitude.denominator) // (magnitude.denominator * 2)
    if cents == 0:
        sign = 0  # no "-0.00"
    digits = tuple(int(c) for c in str(cents))
    return Decimal((sign, digits, -2))
