"""Contract terms: enums, coercion and the validation rules (minimum term etc.)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from .drafts import due_lines
from .terms import (
    Alignment,
    ContractTerms,
    FeeUnit,
    Interval,
    Mode,
    PriceChange,
    TermsError,
    check_terms,
    earliest_end,
    validate_terms,
)


def terms(**overrides) -> ContractTerms:
    base = dict(
        key="c1",
        start=date(2026, 1, 31),
        end=None,
        setup_fee=Decimal("0.00"),
        fee=Decimal("10.00"),
        fee_unit=FeeUnit.MONTH,
        interval=Interval.MONTH,
        mode=Mode.ADVANCE,
        alignment=Alignment.ANNIVERSARY,
        tax_rate=Decimal("19.00"),
    )
    base.update(overrides)
    return ContractTerms(**base)


def test_fee_unit_and_interval_share_values_and_month_lengths():
    # given both enums / then they have the spec's five values with 1, 3, 6, 12, 24 months
    expected = {"month": 1, "quarter": 3, "half_year": 6, "year": 12, "two_years": 24}
    assert {u.value: u.months for u in FeeUnit} == expected
    assert {i.value: i.months for i in Interval} == expected
    assert [m.value for m in Mode] == ["advance", "arrears"]
    assert [a.value for a in Alignment] == ["anniversary", "calendar"]


def test_string_values_are_coerced_to_enums_and_price_changes_sorted():
    # given terms built from database strings and unsorted price changes
    late = PriceChange(date(2027, 1, 1), Decimal("12.00"))
    early = PriceChange(date(2026, 6, 1), Decimal("11.00"))
    t = terms(fee_unit="year", interval="quarter", mode="arrears", alignment="calendar",
              price_changes=[late, early], billed_period_starts={date(2026, 1, 31)})  # fmt: skip
    # then the fields hold enum members, a sorted tuple and a frozenset
    assert t.fee_unit is FeeUnit.YEAR and t.interval is Interval.QUARTER
    assert t.mode is Mode.ARREARS and t.alignment is Alignment.CALENDAR
    assert t.price_changes == (early, late)
    assert t.billed_period_starts == frozenset({date(2026, 1, 31)})


def test_unknown_enum_value_is_rejected():
    # given an unknown interval string / then constructing the terms fails
    with pytest.raises(ValueError, match="weekly"):
        terms(interval="weekly")


@pytest.mark.parametrize(
    ("start", "min_term", "expected"),
    [
        (date(2026, 1, 31), 0, date(2026, 1, 31)),
        (date(2026, 1, 31), 1, date(2026, 2, 27)),  # +1 month = 28.02., minus one day
        (date(2026, 3, 15), 12, date(2027, 3, 14)),
        (date(2024, 2, 29), 12, date(2025, 2, 27)),
        (date(2026, 1, 1), 24, date(2027, 12, 31)),
    ],
)
def test_earliest_end(start, min_term, expected):
    # given a start and minimum term / then the earliest end is start + term - 1 day
    assert earliest_end(start, min_term) == expected


def test_end_before_minimum_term_is_rejected_naming_the_earliest_end():
    # given a 12 month minimum term from 15.03.2026 and an end one day too early
    t = terms(start=date(2026, 3, 15), min_term_months=12, end=date(2027, 3, 13))
    # when validating
    with pytest.raises(TermsError) as caught:
        validate_terms(t)
    # then the error is on "end" and names the earliest allowed end as dd.mm.yyyy
    assert caught.value.field == "end"
    assert caught.value.earliest_end == date(2027, 3, 14)
    assert "14.03.2027" in caught.value.message
    assert "14.03.2027" in str(caught.value)


def test_end_on_the_earliest_allowed_day_is_accepted():
    # given the end exactly at start + minimum term - 1 day / then validation passes
    assert (
        validate_terms(terms(start=date(2026, 3, 15), min_term_months=12, end=date(2027, 3, 14)))
        is None
    )


def test_end_before_start_is_rejected_naming_the_start():
    # given no minimum term and an end before the start
    t = terms(start=date(2026, 3, 15), end=date(2026, 3, 14))
    # then the earliest allowed end is the start itself; a one-day contract is fine
    with pytest.raises(TermsError, match=r"15\.03\.2026") as caught:
        validate_terms(t)
    assert caught.value.earliest_end == date(2026, 3, 15)
    assert validate_terms(replace(t, end=date(2026, 3, 15))) is None


def test_billed_until_before_start_is_rejected():
    # given billed_until one day before the start / then it is rejected; on the start it is fine
    with pytest.raises(TermsError) as caught:
        validate_terms(terms(start=date(2026, 3, 15), billed_until=date(2026, 3, 14)))
    assert caught.value.field == "billed_until"
    assert validate_terms(terms(start=date(2026, 3, 15), billed_until=date(2026, 3, 15))) is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": Decimal("0")}, "quantity"),
        ({"quantity": Decimal("-1")}, "quantity"),
        ({"setup_fee": Decimal("-0.01")}, "setup_fee"),
        ({"fee": Decimal("-0.01")}, "fee"),
        ({"fee": 10.0}, "fee"),  # floats are not money
        ({"fee": Decimal("NaN")}, "fee"),
        ({"tax_rate": Decimal("-19")}, "tax_rate"),
        ({"min_term_months": -1}, "min_term_months"),
        ({"price_changes": (PriceChange(date(2026, 5, 1), Decimal("-1")),)}, "price_changes"),
        (
            {"price_changes": (PriceChange(date(2026, 5, 1), Decimal("1")),) * 2},
            "price_changes",
        ),
    ],
)
def test_invalid_values_are_rejected(overrides, field):
    # given one invalid field / when validating / then exactly that field is reported
    errors = check_terms(terms(**overrides))
    assert [e.field for e in errors] == [field]
    with pytest.raises(TermsError):
        validate_terms(terms(**overrides))


def test_check_terms_reports_every_violation_and_accepts_valid_terms():
    # given several violations at once / then all are listed in field order
    t = terms(end=date(2026, 1, 1), billed_until=date(2026, 1, 1), quantity=Decimal("0"))
    assert [e.field for e in check_terms(t)] == ["end", "billed_until", "quantity"]
    # given valid terms with a fractional quantity and zero fees / then nothing is reported
    ok = terms(quantity=Decimal("0.5"), fee=Decimal("0"), setup_fee=Decimal("0"))
    assert check_terms(ok) == []


def test_due_lines_refuses_invalid_terms():
    # given terms violating the minimum term / when asking for due lines / then it raises
    t = terms(min_term_months=3, end=date(2026, 2, 1))
    with pytest.raises(TermsError) as caught:
        due_lines(t, date(2026, 6, 1))
    assert caught.value.earliest_end == date(2026, 4, 29)  # 31.01. + 3 months = 30.04., minus 1
