"""Month arithmetic: counted from the start, clamped to month end, never chained."""

from datetime import date

import pytest

from .months import add_months, days_in_month, format_date


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        # the spec's examples
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2026, 1, 31), 2, date(2026, 3, 31)),
        # leap years: Feb 29 exists only in leap years
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2024, 2, 29), 1, date(2024, 3, 29)),
        (date(2023, 1, 29), 1, date(2023, 2, 28)),
        (date(2100, 1, 31), 1, date(2100, 2, 28)),  # 2100 is not a leap year
        (date(2000, 1, 31), 1, date(2000, 2, 29)),  # 2000 is
        # 30-day months clamp the 31st
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        # year wrap, zero and negative offsets
        (date(2026, 11, 15), 2, date(2027, 1, 15)),
        (date(2026, 12, 31), 14, date(2028, 2, 29)),
        (date(2026, 5, 17), 0, date(2026, 5, 17)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
    ],
)
def test_add_months_keeps_the_start_day_clamped_to_month_end(start, months, expected):
    # given a date and a month offset / when shifting / then the day is kept or clamped
    assert add_months(start, months) == expected


def test_counting_from_start_differs_from_chaining():
    # given a contract start on the 31st
    start = date(2026, 1, 31)
    # when the third boundary is computed from the start vs. by chaining +1 month
    counted = add_months(start, 3)
    chained = add_months(add_months(add_months(start, 1), 1), 1)
    # then only counting keeps the 30/31 (the engine counts; chaining drifts to the 28th)
    assert counted == date(2026, 4, 30)
    assert chained == date(2026, 4, 28)


def test_days_in_month_and_format_date():
    # given February in leap and common years / then the day counts are exact
    assert [days_in_month(2024, 2), days_in_month(2023, 2), days_in_month(2026, 4)] == [29, 28, 30]
    # given a date / when formatting for messages / then it is dd.mm.yyyy with zero padding
    assert format_date(date(2004, 1, 9)) == "09.01.2004"
