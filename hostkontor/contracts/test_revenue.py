"""Revenue attribution: pure, no database."""

from datetime import date
from decimal import Decimal

import pytest

from .revenue import (
    RevenueLine,
    revenue_by_month,
    revenue_by_quarter,
    revenue_by_year,
    spread_by_month,
)


def test_a_quarter_is_spread_over_its_months_by_days_and_adds_up_to_the_cent():
    # given the product sheet's first quarter 20.01.–19.04.2003 at 57.00 (12+28+31+19 = 90 days)
    months = spread_by_month(date(2003, 1, 20), date(2003, 4, 19), Decimal("57.00"))
    # then each month gets its days' share; the one leftover cent goes to the earliest tie
    assert months == {
        (2003, 1): Decimal("7.60"),
        (2003, 2): Decimal("17.74"),
        (2003, 3): Decimal("19.63"),
        (2003, 4): Decimal("12.03"),
    }
    assert sum(months.values()) == Decimal("57.00")


def test_a_period_inside_one_month_stays_whole_and_negative_amounts_keep_their_sign():
    assert spread_by_month(date(2026, 2, 1), date(2026, 2, 28), Decimal("9.90")) == {
        (2026, 2): Decimal("9.90")
    }
    assert spread_by_month(date(2026, 1, 16), date(2026, 2, 15), Decimal("-3.10")) == {
        (2026, 1): Decimal("-1.60"),
        (2026, 2): Decimal("-1.50"),
    }


def test_a_period_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="ends"):
        spread_by_month(date(2026, 2, 2), date(2026, 2, 1), Decimal("1.00"))


def test_setup_counts_in_its_month_and_quarters_and_years_are_sums_of_months():
    # given a setup fee and two quarterly lines crossing a year boundary
    lines = [
        RevenueLine(date(2025, 11, 1), None, Decimal("39.00")),
        RevenueLine(date(2025, 11, 1), date(2026, 1, 31), Decimal("92.00")),  # 30+31+31 days
        RevenueLine(date(2026, 2, 1), date(2026, 4, 30), Decimal("89.00")),  # 28+31+30 days
    ]
    months = revenue_by_month(lines)
    assert months == {
        (2025, 11): Decimal("69.00"),
        (2025, 12): Decimal("31.00"),
        (2026, 1): Decimal("31.00"),
        (2026, 2): Decimal("28.00"),
        (2026, 3): Decimal("31.00"),
        (2026, 4): Decimal("30.00"),
    }
    assert revenue_by_quarter(months) == {
        (2025, 4): Decimal("100.00"),
        (2026, 1): Decimal("90.00"),
        (2026, 2): Decimal("30.00"),
    }
    assert revenue_by_year(months) == {2025: Decimal("100.00"), 2026: Decimal("120.00")}
