from datetime import date

import pytest
from django.db import transaction

from .numbering import (
    NumberPatternError,
    format_number,
    number_allocate,
    period_key,
    validate_pattern,
)


def test_format_number_pads_counter_and_fills_year():
    # given a pattern with year and a five-digit counter
    # when formatted
    # then the counter is padded to the width of the braces
    assert format_number("RE-{YYYY}-{00000}", 7, date(2026, 12, 1)) == "RE-2026-00007"
    assert format_number("K{00000}", 10001, date(2026, 1, 1)) == "K10001"
    assert format_number("G{YY}{MM}-{000}", 12, date(2027, 3, 5)) == "G2703-012"


def test_period_key_follows_the_smallest_date_token():
    assert period_key("K{00000}", date(2026, 5, 1)) == ""
    assert period_key("RE-{YYYY}-{00000}", date(2026, 5, 1)) == "2026"
    assert period_key("RE-{YY}{MM}-{000}", date(2026, 5, 1)) == "2026-05"


@pytest.mark.parametrize("pattern", ["RE-{YYYY}", "{000}-{000}", "RE-{X}-{000}"])
def test_invalid_patterns_are_rejected(pattern):
    with pytest.raises(NumberPatternError):
        validate_pattern(pattern)


@pytest.mark.django_db
def test_numbers_are_gapless_and_a_rolled_back_number_is_reused():
    # given a range that issued two numbers
    with transaction.atomic():
        first = number_allocate(
            range_code="invoice", pattern="RE-{YYYY}-{00000}", on=date(2026, 1, 2)
        )
    with transaction.atomic():
        second = number_allocate(
            range_code="invoice", pattern="RE-{YYYY}-{00000}", on=date(2026, 1, 3)
        )
    # when a third issue fails after taking a number
    with pytest.raises(RuntimeError), transaction.atomic():
        number_allocate(range_code="invoice", pattern="RE-{YYYY}-{00000}", on=date(2026, 1, 4))
        raise RuntimeError("rendering failed")
    with transaction.atomic():
        third = number_allocate(
            range_code="invoice", pattern="RE-{YYYY}-{00000}", on=date(2026, 1, 4)
        )
    # then the failed number is handed out again: no gap
    assert [first, second, third] == ["RE-2026-00001", "RE-2026-00002", "RE-2026-00003"]


@pytest.mark.django_db
def test_a_new_year_starts_a_new_counter():
    with transaction.atomic():
        december = number_allocate(
            range_code="invoice", pattern="RE-{YYYY}-{00000}", on=date(2026, 12, 31)
        )
        january = number_allocate(
            range_code="invoice", pattern="RE-{YYYY}-{00000}", on=date(2027, 1, 1)
        )
    assert (december, january) == ("RE-2026-00001", "RE-2027-00001")


@pytest.mark.django_db(transaction=True)
def test_allocation_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside transaction.atomic"):
        number_allocate(range_code="invoice", pattern="RE-{00000}", on=date(2026, 1, 1))
