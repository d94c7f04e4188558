from datetime import date

import pytest
from django.db import transaction

from .models import NumberSequence
from .numbering import (
    NumberPatternError,
    format_number,
    number_allocate,
    pattern_change_check,
    patterns_distinct_check,
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


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            "RE-{MM}-{0000}",
            "Das Nummernschema RE-{MM}-{0000} enthält {MM} ohne {YYYY} oder {YY}: seine "
            "Nummern würden sich jedes Jahr wiederholen.",
        ),
        (
            "RE-2026-{0000}",
            "Das Nummernschema RE-2026-{0000} enthält die Jahreszahl 2026 als festen Text: "
            "verwenden Sie {YYYY}, damit die Nummern dem Jahr folgen.",
        ),
        (
            "R1999{MM}{YY}{000}",
            "Das Nummernschema R1999{MM}{YY}{000} enthält die Jahreszahl 1999 als festen Text: "
            "verwenden Sie {YYYY}, damit die Nummern dem Jahr folgen.",
        ),
    ],
)
def test_patterns_that_repeat_numbers_are_rejected(pattern, message):
    # given a pattern whose numbers would come again (month without year, a fixed year)
    # when it is validated
    with pytest.raises(NumberPatternError) as error:
        validate_pattern(pattern)
    # then the message names the pattern and the fix
    assert str(error.value) == message


@pytest.mark.parametrize("pattern", ["RE-{YYYY}{MM}-{0000}", "G{YY}{MM}-{000}", "K-12026-{000}"])
def test_patterns_with_the_year_or_a_longer_number_are_accepted(pattern):
    validate_pattern(pattern)


def _issue(pattern: str, on: date, count: int, range_code: str = "invoice") -> list[str]:
    with transaction.atomic():
        return [
            number_allocate(range_code=range_code, pattern=pattern, on=on) for _ in range(count)
        ]


@pytest.mark.django_db
def test_a_pattern_change_that_would_issue_a_number_again_is_refused():
    # given numbers up to 1,001 issued under a yearly pattern in 2026
    NumberSequence.objects.create(range_code="invoice", period_key="2026", next_value=1002)
    issued = [f"RE2026{n:05d}" for n in range(1, 1002)]
    # when the pattern is to count per month: RE2026 01001 reads as RE2026 01 001
    with pytest.raises(NumberPatternError) as error:
        pattern_change_check(
            range_code="invoice", old="RE{YYYY}{00000}", new="RE{YYYY}{MM}{000}", issued=issued
        )
    # then it is refused naming the number that would come again
    assert str(error.value) == (
        "Das Nummernschema RE{YYYY}{MM}{000} würde die schon vergebene Nummer RE202601001 noch "
        "einmal vergeben. Ändern Sie einen festen Teil des Schemas (z. B. das Präfix) oder die "
        "Breite des Zählers."
    )
    # and a monthly pattern of another shape is fine
    pattern_change_check(
        range_code="invoice", old="RE{YYYY}{00000}", new="RE{YYYY}{MM}-{000}", issued=issued
    )


@pytest.mark.django_db
def test_a_number_issued_under_a_fixed_year_blocks_the_switch_to_the_year_token():
    # given numbers of the old literal-year pattern (stored before patterns were checked)
    NumberSequence.objects.create(range_code="invoice", period_key="", next_value=151)
    issued = [f"RE-2026-{n:04d}" for n in range(1, 151)]
    # when the pattern changes to the same shape with {YYYY} (a new counter for 2026)
    with pytest.raises(NumberPatternError, match="RE-2026-0001 noch einmal"):
        pattern_change_check(
            range_code="invoice", old="RE-2026-{0000}", new="RE-{YYYY}-{0000}", issued=issued
        )
    # then a wider counter or another prefix cannot meet them and is allowed
    for safe in ["RE-{YYYY}-{00000}", "R-{YYYY}-{0000}"]:
        pattern_change_check(range_code="invoice", old="RE-2026-{0000}", new=safe, issued=issued)


@pytest.mark.django_db
def test_changes_that_keep_counting_past_the_issued_numbers_are_allowed():
    # given numbers issued this year under the default pattern
    issued = _issue("RE-{YYYY}-{00000}", date(2026, 3, 1), 3)
    # when the prefix changes, or the pattern is kept, or changed back later
    for new in ["R-{YYYY}-{00000}", "RE-{YYYY}-{00000}", "RE{YYYY}-{00000}"]:
        pattern_change_check(range_code="invoice", old="R-{YYYY}-{00000}", new=new, issued=issued)
    # then nothing is refused: the year's counter is at 4 and only moves up
    assert _issue("RE-{YYYY}-{00000}", date(2026, 3, 2), 1) == ["RE-2026-00004"]


def test_ranges_sharing_a_table_need_distinct_patterns():
    patterns_distinct_check("RE-{YYYY}-{00000}", "GS-{YYYY}-{00000}")
    with pytest.raises(NumberPatternError, match="könnten dieselbe Nummer ergeben"):
        patterns_distinct_check("RE-{YYYY}-{00000}", "RE-{YYYY}-{00000}")
    with pytest.raises(NumberPatternError):
        # 2026 + 00001 reads as 20260 + 0001 … one text, two ranges
        patterns_distinct_check("{YYYY}{00000}", "{00000}{YYYY}")


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


@pytest.mark.django_db
def test_a_counter_continues_a_previous_system_and_never_goes_down():
    from .numbering import number_counter_raise

    # given a range that has issued nothing in 2026
    with transaction.atomic():
        # when its counter is set to 4711, then the next number is 4711
        assert (
            number_counter_raise(
                range_code="invoice",
                pattern="RE-{YYYY}-{00000}",
                on=date(2026, 3, 1),
                next_value=4711,
            )
            == 1
        )
        assert (
            number_allocate(range_code="invoice", pattern="RE-{YYYY}-{00000}", on=date(2026, 3, 2))
            == "RE-2026-04711"
        )
    # when it is set below the next free value, then that is refused and nothing changes
    with transaction.atomic(), pytest.raises(NumberPatternError, match="4712"):
        number_counter_raise(
            range_code="invoice", pattern="RE-{YYYY}-{00000}", on=date(2026, 5, 1), next_value=4711
        )
    assert NumberSequence.objects.get(range_code="invoice", period_key="2026").next_value == 4712
