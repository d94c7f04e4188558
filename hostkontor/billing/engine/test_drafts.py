"""Due lines: the spec's worked example, the product sheet's contracts and each rule."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from .drafts import (
    DraftLine,
    billed_until,
    due_lines,
    fee_on,
    full_period_amount,
    next_due_date,
    next_period,
    period_amount,
)
from .periods import Period
from .tax import TaxTreatment, invoice_totals
from .terms import Alignment, ContractTerms, FeeUnit, Interval, Mode, PriceChange

D = Decimal


def contract(**overrides) -> ContractTerms:
    base = dict(
        key="k",
        start=date(2026, 1, 1),
        end=None,
        setup_fee=D("0.00"),
        fee=D("31.00"),
        fee_unit=FeeUnit.MONTH,
        interval=Interval.MONTH,
        mode=Mode.ADVANCE,
        alignment=Alignment.ANNIVERSARY,
        tax_rate=D("19.00"),
    )
    base.update(overrides)
    return ContractTerms(**base)


def bill(terms: ContractTerms, run_date: date) -> tuple[ContractTerms, list[DraftLine]]:
    """One billing run; returns the terms as the database would give them afterwards."""
    lines = due_lines(terms, run_date)
    starts = {line.period_start for line in lines if line.kind == "period"}
    assert len(starts) == sum(1 for line in lines if line.kind == "period")
    return (
        replace(
            terms,
            setup_billed=terms.setup_billed or any(line.kind == "setup" for line in lines),
            billed_period_starts=terms.billed_period_starts | starts,
        ),
        lines,
    )


def summary(lines: list[DraftLine]) -> list[tuple]:
    return [(line.kind, line.period_start, line.period_end, line.net) for line in lines]


def period_line(key, start, end, net, days, full_days, quantity="1", rate="19.00"):
    return DraftLine(key, "period", start, end, D(quantity), D(net), D(rate), days, full_days)


def setup_line(key, net, rate="19.00"):
    return DraftLine(key, "setup", None, None, D("1"), D(net), D(rate), None, None)


# --- the spec's worked example and the product sheet ---------------------------------------

DMMD_SERVER = contract(
    key="dmmd-server-standard",
    start=date(2003, 1, 20),
    end=date(2004, 1, 21),
    setup_fee=D("39.00"),
    fee=D("19.00"),
    interval=Interval.QUARTER,
)
DMMD_WEBSERVER = contract(
    key="dmmd-webserver",
    start=date(2003, 1, 21),
    end=date(2004, 1, 21),
    setup_fee=D("49.00"),
    fee=D("10.00"),
    interval=Interval.QUARTER,
)
DMMD_SPAM = contract(
    key="dmmd-spamfilter",
    start=date(2003, 1, 21),
    end=date(2004, 1, 21),
    setup_fee=D("10.00"),
    fee=D("20.00"),
    fee_unit=FeeUnit.QUARTER,
    interval=Interval.QUARTER,
)


def test_worked_example_first_run():
    # given the spec's contract / when billing on its start date
    lines = due_lines(DMMD_SERVER, date(2003, 1, 20))
    # then setup 39.00 and the first quarter at 57.00 are billed
    assert lines == [
        setup_line("dmmd-server-standard", "39.00"),
        period_line("dmmd-server-standard", date(2003, 1, 20), date(2003, 4, 19), "57.00", 90, 90),
    ]
    # and a day earlier nothing is due
    assert due_lines(DMMD_SERVER, date(2003, 1, 19)) == []


def test_worked_example_final_partial_period():
    # given quarterly runs that billed everything up to 19.01.2004
    terms = DMMD_SERVER
    billed = []
    for run in [date(2003, 1, 20), date(2003, 4, 20), date(2003, 7, 20), date(2003, 10, 20)]:
        terms, lines = bill(terms, run)
        billed += summary(lines)
    assert billed == [
        ("setup", None, None, D("39.00")),
        ("period", date(2003, 1, 20), date(2003, 4, 19), D("57.00")),
        ("period", date(2003, 4, 20), date(2003, 7, 19), D("57.00")),
        ("period", date(2003, 7, 20), date(2003, 10, 19), D("57.00")),
        ("period", date(2003, 10, 20), date(2004, 1, 19), D("57.00")),
    ]
    assert billed_until(terms) == date(2004, 1, 19)
    # when running on 21.01.2004
    lines = due_lines(terms, date(2004, 1, 21))
    # then only the partial period 20.01.–21.01.2004 is billed: 57.00 * 2 / 91 = 1.25
    assert lines == [
        period_line("dmmd-server-standard", date(2004, 1, 20), date(2004, 1, 21), "1.25", 2, 91)
    ]


@pytest.mark.parametrize(
    ("terms", "expected_nets", "last_line"),
    [
        # 19.00/month quarterly = 57.00; last 2 of 91 days
        (DMMD_SERVER, ["39.00"] + ["57.00"] * 4 + ["1.25"], (date(2004, 1, 20), 2, 91)),
        # 10.00/month quarterly = 30.00; last 1 of 91 days: 0.3296 -> 0.33
        (DMMD_WEBSERVER, ["49.00"] + ["30.00"] * 4 + ["0.33"], (date(2004, 1, 21), 1, 91)),
        # 20.00/quarter quarterly = 20.00; last 1 of 91 days: 0.2198 -> 0.22
        (DMMD_SPAM, ["10.00"] + ["20.00"] * 4 + ["0.22"], (date(2004, 1, 21), 1, 91)),
    ],
    ids=["server", "webserver", "spamfilter"],
)
def test_product_sheet_contracts_billed_until_their_end(terms, expected_nets, last_line):
    # given a dmmd contract of the product sheet / when billed by monthly runs over its life
    all_lines: list[DraftLine] = []
    run = date(2003, 1, 1)
    while run <= date(2004, 3, 1):
        terms, lines = bill(terms, run)
        all_lines += lines
        run = date(run.year + run.month // 12, run.month % 12 + 1, 1)
    # then setup, four quarters and the final partial period were billed once each
    assert [str(line.net) for line in all_lines] == expected_nets
    last = all_lines[-1]
    assert (last.period_start, last.period_end, last.days, last.full_days) == (
        last_line[0],
        date(2004, 1, 21),
        last_line[1],
        last_line[2],
    )
    # and the overview shows "berechnet bis 21.01.04" with nothing left to bill
    assert billed_until(terms) == date(2004, 1, 21)
    assert next_period(terms) is None
    assert due_lines(terms, date(2010, 1, 1)) == []


def test_product_sheet_first_invoice_totals():
    # given the customer's three contracts / when billing all on 21.01.2003
    lines = [
        line
        for t in (DMMD_SERVER, DMMD_WEBSERVER, DMMD_SPAM)
        for line in due_lines(t, date(2003, 1, 21))
    ]
    # then one invoice holds 39+57 + 49+30 + 10+20 = 205.00 net, 19 % = 38.95 tax
    totals = invoice_totals(lines)
    assert (totals.net, totals.tax, totals.gross) == (D("205.00"), D("38.95"), D("243.95"))


# --- amounts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fee", "quantity", "unit", "interval", "expected"),
    [
        ("19.00", "1", "month", "quarter", "57.00"),  # spec example
        ("120.00", "1", "year", "month", "10.00"),  # spec example
        ("10.00", "3", "two_years", "month", "1.25"),
        ("100.00", "1", "year", "two_years", "200.00"),
        ("10.00", "1", "year", "month", "0.83"),  # 0.8333
        ("0.30", "1", "two_years", "year", "0.15"),
        ("0.10", "1", "quarter", "month", "0.03"),  # 0.0333
        ("0.05", "1", "half_year", "quarter", "0.03"),  # 0.025 -> half up
        ("2.50", "1.5", "month", "month", "3.75"),
        ("9.99", "0.5", "month", "month", "5.00"),  # 4.995 -> half up
    ],
)
def test_full_period_amount(fee, quantity, unit, interval, expected):
    # given fee, quantity, fee unit and interval / then P is rounded once, half up
    assert full_period_amount(D(fee), D(quantity), unit, interval) == D(expected)


def test_quantity_multiplies_periods_but_not_the_setup_fee():
    # given a quantity of 3 and a setup fee
    terms = contract(setup_fee=D("50.00"), quantity=D("3"))
    # when billing the first month
    lines = due_lines(terms, date(2026, 1, 1))
    # then the setup line is the setup fee with quantity 1, the period line is 3 x 31.00
    assert lines == [
        setup_line("k", "50.00"),
        period_line("k", date(2026, 1, 1), date(2026, 1, 31), "93.00", 31, 31, "3"),
    ]


def test_setup_fee_rounded_once_and_zero_setup_writes_no_line():
    # given a setup fee with a half cent / then it is rounded half up
    assert due_lines(contract(setup_fee=D("10.005")), date(2026, 1, 1))[0].net == D("10.01")
    # given setup 0 / then only the period line is written
    assert [line.kind for line in due_lines(contract(), date(2026, 1, 1))] == ["period"]


# --- when lines are due ---------------------------------------------------------------------


def test_arrears_bills_setup_with_the_first_period_after_it_ends():
    # given an arrears contract from 15.01.2026 with a setup fee
    terms = contract(start=date(2026, 1, 15), mode=Mode.ARREARS, setup_fee=D("20.00"))
    # when running on the first period's last day / then nothing is due yet
    assert due_lines(terms, date(2026, 2, 14)) == []
    # when running the day after / then setup and the first period are billed together
    assert summary(due_lines(terms, date(2026, 2, 15))) == [
        ("setup", None, None, D("20.00")),
        ("period", date(2026, 1, 15), date(2026, 2, 14), D("31.00")),
    ]


def test_arrears_partial_period_is_due_after_the_cut_end():
    # given an arrears contract ending 10.03.2026
    terms = contract(mode=Mode.ARREARS, end=date(2026, 3, 10))
    # when running on the end date / then only January and February are due
    assert [line.period_start for line in due_lines(terms, date(2026, 3, 10))] == [
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    # when running the day after / then March 1–10 is due: 31.00 * 10 / 31 = 10.00
    assert summary(due_lines(terms, date(2026, 3, 11)))[-1] == (
        "period",
        date(2026, 3, 1),
        date(2026, 3, 10),
        D("10.00"),
    )


def test_advance_bills_every_due_period_back_to_start_and_nothing_after_end():
    # given an advance contract that ended 10.03.2026 and was never billed
    terms = contract(end=date(2026, 3, 10))
    # when running years later
    lines = due_lines(terms, date(2030, 1, 1))
    # then each period has its own line, ending at the contract end
    assert summary(lines) == [
        ("period", date(2026, 1, 1), date(2026, 1, 31), D("31.00")),
        ("period", date(2026, 2, 1), date(2026, 2, 28), D("31.00")),
        ("period", date(2026, 3, 1), date(2026, 3, 10), D("10.00")),
    ]


def test_fee_zero_bills_setup_from_start_and_no_periods():
    # given a contract without a recurring fee (arrears, to show the setup does not wait)
    terms = contract(fee=D("0.00"), setup_fee=D("99.00"), mode=Mode.ARREARS)
    # then nothing before the start, the setup fee from the start, never period lines
    assert due_lines(terms, date(2025, 12, 31)) == []
    assert due_lines(terms, date(2026, 1, 1)) == [setup_line("k", "99.00")]
    assert due_lines(replace(terms, setup_billed=True), date(2036, 1, 1)) == []
    assert next_period(terms) is None and next_due_date(terms) is None
    # and with neither fee there is nothing to bill at all
    assert due_lines(replace(terms, setup_fee=D("0")), date(2036, 1, 1)) == []


def test_same_run_twice_and_credit_note():
    # given a run that billed Jan–Mar with the setup fee
    terms, first = bill(contract(setup_fee=D("5.00")), date(2026, 3, 1))
    assert len(first) == 4
    # when the same run is repeated / then nothing is billed again
    assert due_lines(terms, date(2026, 3, 1)) == []
    # when a credit note cancels the invoice of February / then February is due again, alone
    credited = replace(terms, billed_period_starts=terms.billed_period_starts - {date(2026, 2, 1)})
    assert due_lines(credited, date(2026, 3, 1)) == [first[2]]
    assert billed_until(credited) == date(2026, 1, 31)
    assert next_period(credited) == Period(
        date(2026, 2, 1), date(2026, 2, 28), date(2026, 2, 1), date(2026, 2, 28)
    )


def test_setup_fee_added_later_is_billed_on_the_next_run():
    # given the first period already billed but the setup fee not (e.g. its invoice credited
    # and the fee raised afterwards) / then the setup fee is due alone on the next run
    terms = contract(setup_fee=D("12.00"), billed_period_starts={date(2026, 1, 1)})
    assert due_lines(terms, date(2026, 1, 5)) == [setup_line("k", "12.00")]
    assert due_lines(replace(terms, setup_billed=True), date(2026, 1, 5)) == []


# --- billed_until (import from an earlier system) ----------------------------------------


def test_billed_until_inside_a_period_bills_the_rest_as_partial_period():
    # given a contract from 31.01.2026 imported as billed until 10.03.2026, with a setup fee
    terms = contract(start=date(2026, 1, 31), billed_until=date(2026, 3, 10), setup_fee=D("9.00"))
    # when running on 31.03.2026
    lines = due_lines(terms, date(2026, 3, 31))
    # then no setup; the rest 11.03.–30.03. of the period 28.02.–30.03. (31 days) is billed
    # as 20/31 of 31.00, then the next full period 31.03.–29.04.
    assert lines == [
        period_line("k", date(2026, 3, 11), date(2026, 3, 30), "20.00", 20, 31),
        period_line("k", date(2026, 3, 31), date(2026, 4, 29), "31.00", 30, 30),
    ]
    assert billed_until(terms) == date(2026, 3, 10)
    assert next_due_date(terms) == date(2026, 3, 11)
    # and once billed, the partial period is keyed by its own start
    terms, _ = bill(terms, date(2026, 3, 31))
    assert billed_until(terms) == date(2026, 4, 29)
    assert due_lines(terms, date(2026, 4, 29)) == []


def test_billed_until_partial_in_advance_is_due_from_the_day_after_billed_until():
    # given billed until 10.03.2026 inside the period 28.02.–30.03.
    terms = contract(start=date(2026, 1, 31), billed_until=date(2026, 3, 10))
    # then a run on 10.03. bills nothing, a run on 11.03. bills the rest
    assert due_lines(terms, date(2026, 3, 10)) == []
    assert [line.period_start for line in due_lines(terms, date(2026, 3, 11))] == [
        date(2026, 3, 11)
    ]


def test_billed_until_on_a_boundary_and_beyond_the_end():
    # given billed until the last day of a period / then the next full period follows
    terms = contract(billed_until=date(2026, 2, 28))
    assert summary(due_lines(terms, date(2026, 3, 1))) == [
        ("period", date(2026, 3, 1), date(2026, 3, 31), D("31.00"))
    ]
    # given billed until after the contract end / then nothing is ever due
    ended = contract(end=date(2026, 2, 10), billed_until=date(2026, 3, 31), setup_fee=D("1"))
    assert due_lines(ended, date(2030, 1, 1)) == []
    assert billed_until(ended) == date(2026, 3, 31)


# --- calendar alignment ---------------------------------------------------------------------


def test_calendar_quarters_prorate_the_first_period_against_the_calendar_quarter():
    # given a calendar-aligned quarterly contract from 15.02.2026 at 30.00 per quarter
    terms = contract(
        start=date(2026, 2, 15),
        fee=D("30.00"),
        fee_unit=FeeUnit.QUARTER,
        interval=Interval.QUARTER,
        alignment=Alignment.CALENDAR,
    )
    # when billing through April
    lines = due_lines(terms, date(2026, 4, 1))
    # then 15.02.–31.03. is 45 of the 90 days of Q1 (15.00), then Q2 in full
    assert lines == [
        period_line("k", date(2026, 2, 15), date(2026, 3, 31), "15.00", 45, 90),
        period_line("k", date(2026, 4, 1), date(2026, 6, 30), "30.00", 91, 91),
    ]


def test_calendar_start_on_a_boundary_has_a_full_first_period():
    # given a half-year calendar contract starting 01.07.2026 / then its first period is full
    terms = contract(
        start=date(2026, 7, 1), interval=Interval.HALF_YEAR, alignment=Alignment.CALENDAR
    )
    assert due_lines(terms, date(2026, 7, 1)) == [
        period_line("k", date(2026, 7, 1), date(2026, 12, 31), "186.00", 184, 184)
    ]


def test_calendar_two_years_counts_from_january_of_the_start_year():
    # given a two-year calendar contract from 15.06.2025 at 730.00 per two years
    terms = contract(
        start=date(2025, 6, 15),
        fee=D("730.00"),
        fee_unit=FeeUnit.TWO_YEARS,
        interval=Interval.TWO_YEARS,
        alignment=Alignment.CALENDAR,
    )
    # when billing until 2029
    lines = due_lines(terms, date(2029, 1, 1))
    # then the boundaries are 01.01.2025, 01.01.2027, 01.01.2029; the first period is
    # 565 of 730 days, the next one full (731 days incl. 29.02.2028)
    assert lines == [
        period_line("k", date(2025, 6, 15), date(2026, 12, 31), "565.00", 565, 730),
        period_line("k", date(2027, 1, 1), date(2028, 12, 31), "730.00", 731, 731),
        period_line("k", date(2029, 1, 1), date(2030, 12, 31), "730.00", 730, 730),
    ]


def test_calendar_two_years_starting_in_an_even_year_uses_that_year():
    # given a two-year calendar contract from 01.03.2026 / then the period ends 31.12.2027
    terms = contract(
        start=date(2026, 3, 1), interval=Interval.TWO_YEARS, alignment=Alignment.CALENDAR
    )
    assert next_period(terms) == Period(
        date(2026, 3, 1), date(2027, 12, 31), date(2026, 1, 1), date(2027, 12, 31)
    )


def test_calendar_period_cut_by_start_and_end():
    # given a monthly calendar contract living 31.01.–01.02.2026
    terms = contract(start=date(2026, 1, 31), end=date(2026, 2, 1), alignment=Alignment.CALENDAR)
    # then it bills one day of January (31.00/31) and one day of February (31.00/28)
    assert summary(due_lines(terms, date(2026, 3, 1))) == [
        ("period", date(2026, 1, 31), date(2026, 1, 31), D("1.00")),
        ("period", date(2026, 2, 1), date(2026, 2, 1), D("1.11")),
    ]


# --- price history ----------------------------------------------------------------------------


def test_price_change_inside_a_period_is_split_by_days_and_rounded_once():
    # given 10.00/month, raised to 15.00 from 07.01.2026 (6 days old price, 25 days new)
    terms = contract(fee=D("10.00"), price_changes=(PriceChange(date(2026, 1, 7), D("15.00")),))
    # when billing January and February
    lines = due_lines(terms, date(2026, 2, 1))
    # then January is (10*6 + 15*25) / 31 = 14.032 -> 14.03 in one line
    # (rounding each segment would give 1.94 + 12.10 = 14.04), February is 15.00
    assert summary(lines) == [
        ("period", date(2026, 1, 1), date(2026, 1, 31), D("14.03")),
        ("period", date(2026, 2, 1), date(2026, 2, 28), D("15.00")),
    ]
    assert (fee_on(terms, date(2026, 1, 6)), fee_on(terms, date(2026, 1, 7))) == (
        D("10.00"),
        D("15.00"),
    )


def test_price_change_on_a_period_start_and_before_the_contract_start():
    # given a price change on a period start / then the whole period uses the new price
    on_boundary = contract(price_changes=(PriceChange(date(2026, 2, 1), D("62.00")),))
    assert [line.net for line in due_lines(on_boundary, date(2026, 2, 1))] == [
        D("31.00"),
        D("62.00"),
    ]
    # given a price change before the start / then it replaces the fee from the start on
    before = contract(price_changes=(PriceChange(date(2025, 1, 1), D("62.00")),))
    assert [line.net for line in due_lines(before, date(2026, 1, 1))] == [D("62.00")]


def test_price_change_in_a_quarter_of_a_partial_period():
    # given 19.00/month quarterly with 3 segments over a partial last period
    terms = contract(
        start=date(2026, 1, 1),
        end=date(2026, 5, 20),
        fee=D("19.00"),
        interval=Interval.QUARTER,
        price_changes=(
            PriceChange(date(2026, 4, 11), D("20.00")),
            PriceChange(date(2026, 5, 11), D("30.00")),
        ),
    )
    # when billing the second quarter (01.04.–20.05., full period 01.04.–30.06. = 91 days)
    line = due_lines(terms, date(2026, 4, 1))[1]
    # then (57*10 + 60*30 + 90*10) / 91 = 35.934 -> 35.93
    assert (line.period_start, line.period_end, line.net, line.days, line.full_days) == (
        date(2026, 4, 1),
        date(2026, 5, 20),
        D("35.93"),
        50,
        91,
    )


def test_fee_starting_later_bills_setup_at_start_and_periods_from_the_price_change():
    # given a contract free for two months (fee 0), then 31.00 from 01.03.2026, with setup
    terms = contract(
        fee=D("0"),
        setup_fee=D("15.00"),
        mode=Mode.ARREARS,
        price_changes=(PriceChange(date(2026, 3, 1), D("31.00")),),
    )
    # then the setup fee is due from the start, periods only once they carry a fee
    assert summary(due_lines(terms, date(2026, 1, 1))) == [("setup", None, None, D("15.00"))]
    assert summary(due_lines(replace(terms, setup_billed=True), date(2026, 4, 1))) == [
        ("period", date(2026, 3, 1), date(2026, 3, 31), D("31.00"))
    ]
    # and billed_until skips the free months once March is billed
    assert billed_until(replace(terms, billed_period_starts={date(2026, 3, 1)})) == date(
        2026, 3, 31
    )


def test_open_ended_contract_whose_fee_drops_to_zero_stops_billing():
    # given an open-ended contract whose fee becomes 0 from 01.03.2026
    terms = contract(price_changes=(PriceChange(date(2026, 3, 1), D("0")),))
    # then only January and February are ever billed
    lines = due_lines(terms, date(2040, 1, 1))
    assert [line.period_start for line in lines] == [date(2026, 1, 1), date(2026, 2, 1)]
    billed = replace(terms, billed_period_starts={date(2026, 1, 1), date(2026, 2, 1)})
    assert next_period(billed) is None and billed_until(billed) == date(2026, 2, 28)


def test_period_amount_of_an_explicit_period():
    # given the spec's contract / then the amount of its last partial period is 1.25
    period = Period(date(2004, 1, 20), date(2004, 1, 21), date(2004, 1, 20), date(2004, 4, 19))
    assert period_amount(DMMD_SERVER, period) == D("1.25")


# --- helpers for the contract overview ------------------------------------------------------


def test_next_due_date_by_mode():
    # given a fresh monthly contract from 15.01.2026
    advance = contract(start=date(2026, 1, 15))
    arrears = replace(advance, mode=Mode.ARREARS)
    # then advance is due on the start, arrears the day after the first period
    assert next_due_date(advance) == date(2026, 1, 15)
    assert next_due_date(arrears) == date(2026, 2, 15)
    assert billed_until(advance) is None


def test_tax_treatment_sets_the_applied_rate_on_every_line():
    # given a reverse-charge customer / then all lines carry 0.00, amounts unchanged
    terms = contract(setup_fee=D("5.00"))
    lines = due_lines(terms, date(2026, 1, 1), treatment=TaxTreatment.EU_REVERSE_CHARGE)
    assert [(line.net, line.tax_rate) for line in lines] == [
        (D("5.00"), D("0.00")),
        (D("31.00"), D("0.00")),
    ]
    assert invoice_totals(lines).gross == D("36.00")
