"""Golden grid: every fee unit x interval x mode x alignment over awkward start days.

In the style of Lago's golden billing scenarios, each combination is checked
against an independent oracle that is written differently from the engine: it
walks the calendar day by day, assigns each day to a period by its own rules
(its own month arithmetic for anniversaries, year/month arithmetic for calendar
periods), groups consecutive days into lines and prices them with one
``Decimal`` division at high precision (the engine uses ``Fraction``).

For each case a sequence of billing runs on every critical date (the day before,
on and after each period's first and last day) feeds the billed periods back
and asserts that each run bills exactly the lines that became due since the
previous run; the union must tile the contract exactly once.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import cache
from typing import NamedTuple

import pytest

from .drafts import due_lines, full_period_amount
from .terms import Alignment, ContractTerms, FeeUnit, Interval, Mode

ONE_DAY = timedelta(days=1)
FEE = Decimal("19.99")
QUANTITY = Decimal("2.5")
SETUP = Decimal("49.00")

# Start days 1, 28, 29, 30, 31, including leap-year and common-year Februaries.
STARTS = [
    date(2024, 1, 1),
    date(2023, 2, 28),
    date(2024, 2, 28),
    date(2024, 2, 29),
    date(2023, 1, 29),
    date(2023, 1, 30),
    date(2024, 1, 31),
    date(2023, 5, 31),
]
END_VARIANTS = ["open", "mid_period", "last_day_of_period", "first_day_of_period"]
BILLED_UNTIL_VARIANTS = ["none", "mid_period", "last_day_of_period"]


# --- the oracle -------------------------------------------------------------------------------


def oracle_shift(d: date, months: int) -> date:
    """start + months, stepping the day down until the date exists."""
    year, month = d.year, d.month + months
    while month > 12:
        month -= 12
        year += 1
    day = d.day
    while True:
        try:
            return date(year, month, day)
        except ValueError:
            day -= 1


def walk_keys(start: date, months: int, alignment: Alignment, until: date) -> Iterator[tuple]:
    """(day, period key) for each day from the first day of start's period to ``until``."""
    if alignment is Alignment.CALENDAR:
        day = date(start.year, 1, 1)
        while day <= until:
            if months == 24:
                key = (day.year - start.year) // 2
            else:
                key = (day.year, (day.month - 1) // months)
            yield day, key
            day += ONE_DAY
    else:
        k, day = 0, start
        boundary = oracle_shift(start, months)
        while day <= until:
            if day == boundary:
                k += 1
                boundary = oracle_shift(start, (k + 1) * months)
            yield day, k
            day += ONE_DAY


class OraclePeriod(NamedTuple):
    key: object
    days: list[date]


@cache
def oracle_periods(start: date, months: int, alignment: Alignment) -> tuple[OraclePeriod, ...]:
    """Uncut periods (every day) around an open-ended contract, for ~8 periods."""
    until = oracle_shift(start, 9 * months)
    groups: dict[object, list[date]] = {}
    for day, key in walk_keys(start, months, alignment, until):
        groups.setdefault(key, []).append(day)
    periods = [OraclePeriod(key, days) for key, days in groups.items()]
    return tuple(p for p in periods if p.days[-1] >= start)[:8]


class Expected(NamedTuple):
    start: date
    end: date
    days: int
    full_days: int
    net: Decimal


def oracle_net(fee_unit: FeeUnit, interval: Interval, days: int, full_days: int) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 60
        exact = FEE * QUANTITY * interval.months * days / (fee_unit.months * full_days)
        return exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def oracle_lines(terms: ContractTerms, last_run: date) -> list[Expected]:
    """Lines due by ``last_run`` over the contract's life, by grouping billable days."""
    lines = []
    for period in oracle_periods(terms.start, terms.interval.months, terms.alignment):
        days = [
            d
            for d in period.days
            if d >= terms.start
            and (terms.end is None or d <= terms.end)
            and (terms.billed_until is None or d > terms.billed_until)
        ]
        if days:
            net = oracle_net(terms.fee_unit, terms.interval, len(days), len(period.days))
            line = Expected(days[0], days[-1], len(days), len(period.days), net)
            if oracle_due(terms.mode, line, last_run):
                lines.append(line)
    return lines


def oracle_due(mode: Mode, line: Expected, run: date) -> bool:
    return run >= line.start if mode is Mode.ADVANCE else run > line.end


# --- the grid ---------------------------------------------------------------------------------


def build_case(fee_unit, interval, mode, alignment, start, end_variant, bu_variant):
    periods = oracle_periods(start, interval.months, alignment)
    # oracle periods 2 and 3 hold the end variants, period 1 the billed_until variants
    third, fourth, second = periods[2].days, periods[3].days, periods[1].days
    end = {
        "open": None,
        "mid_period": third[len(third) // 2],
        "last_day_of_period": third[-1],
        "first_day_of_period": fourth[0],
    }[end_variant]
    billed_until = {
        "none": None,
        "mid_period": second[len(second) // 2],
        "last_day_of_period": second[-1],
    }[bu_variant]
    terms = ContractTerms(
        key=f"{start}/{end_variant}/{bu_variant}",
        start=start,
        end=end,
        setup_fee=SETUP,
        fee=FEE,
        fee_unit=fee_unit,
        interval=interval,
        mode=mode,
        alignment=alignment,
        quantity=QUANTITY,
        tax_rate=Decimal("19.00"),
        billed_until=billed_until,
    )
    # open-ended: bill through the first day of oracle period 5
    last_run = periods[5].days[0] + ONE_DAY if end is None else fourth[-1] + timedelta(days=40)
    return terms, last_run


def as_expected(line) -> Expected:
    return Expected(line.period_start, line.period_end, line.days, line.full_days, line.net)


def check_case(terms: ContractTerms, last_run: date) -> None:
    case = terms.key
    expected = oracle_lines(terms, last_run)
    assert expected, case
    P = full_period_amount(terms.fee, terms.quantity, terms.fee_unit, terms.interval)

    # then: the lines of one late run tile [first unbilled day, end] without gap or overlap
    lines = due_lines(terms, last_run)
    periods = [line for line in lines if line.kind == "period"]
    first_day = terms.start if terms.billed_until is None else terms.billed_until + ONE_DAY
    assert periods[0].period_start == first_day, case
    for before, after in itertools.pairwise(periods):
        assert after.period_start == before.period_end + ONE_DAY, case
    if terms.end is not None:
        assert periods[-1].period_end == terms.end, case
    # ... and equal the oracle's lines: dates, day counts, amounts to the cent
    assert [as_expected(line) for line in periods] == expected, case
    for line in periods:
        # full periods get exactly P; a partial period never more
        if line.days == line.full_days:
            assert line.net == P, case
        else:
            assert line.days < line.full_days and line.net <= P, case
        assert line.quantity == QUANTITY, case

    # then: runs on every critical date bill exactly what became due since the last run
    runs = sorted(
        {e.start - ONE_DAY for e in expected}
        | {e.start for e in expected}
        | {e.end for e in expected}
        | {e.end + ONE_DAY for e in expected}
    )
    runs = [run for run in runs if run <= last_run]
    state = terms
    billed: list[Expected] = []
    setup_runs = []
    first_period_run = None
    for run in runs:
        got = due_lines(state, run)
        newly_due = [e for e in expected if oracle_due(terms.mode, e, run) and e not in billed]
        got_periods = [as_expected(line) for line in got if line.kind == "period"]
        assert got_periods == newly_due, (case, run)
        setups = [line for line in got if line.kind == "setup"]
        if setups:
            assert [(s.net, s.quantity, s.period_start) for s in setups] == [
                (SETUP, Decimal("1"), None)
            ], case
            assert got[0].kind == "setup", case
            setup_runs.append(run)
        if got_periods and first_period_run is None:
            first_period_run = run
        billed += got_periods
        state = replace(
            state,
            setup_billed=state.setup_billed or bool(setups),
            billed_period_starts=state.billed_period_starts
            | {line.period_start for line in got if line.kind == "period"},
        )
    # exactly once: every line billed once, in order; nothing after the end
    assert billed == expected, case
    assert due_lines(state, last_run) == [], case
    if terms.end is not None:
        assert due_lines(state, terms.end + timedelta(days=3650)) == [], case
    # setup: once, on the run that billed the first period; never after an import
    if terms.billed_until is None:
        assert setup_runs == [first_period_run], case
        first_due = expected[0].start if terms.mode is Mode.ADVANCE else expected[0].end + ONE_DAY
        assert first_period_run == first_due, case
    else:
        assert setup_runs == [], case


COMBINATIONS = list(itertools.product(FeeUnit, Interval, Mode, Alignment))


@pytest.mark.parametrize(
    ("fee_unit", "interval", "mode", "alignment"),
    COMBINATIONS,
    ids=["-".join(str(v) for v in combo) for combo in COMBINATIONS],
)
def test_grid(fee_unit, interval, mode, alignment):
    # given every start day x end variant x billed_until variant of this combination
    for start, end_variant, bu_variant in itertools.product(
        STARTS, END_VARIANTS, BILLED_UNTIL_VARIANTS
    ):
        terms, last_run = build_case(
            fee_unit, interval, mode, alignment, start, end_variant, bu_variant
        )
        # when billed by one late run and by a run on every critical date
        # then the lines match the oracle (see check_case)
        check_case(terms, last_run)


def test_grid_covers_every_enum_member():
    # given the grid / then it is built from all members (5 x 5 x 2 x 2 = 100 combinations)
    assert len(COMBINATIONS) == len(FeeUnit) * len(Interval) * len(Mode) * len(Alignment) == 100
    assert {c[1] for c in COMBINATIONS} == set(Interval)


def test_oracle_agrees_with_the_spec_examples():
    # given the oracle's own month arithmetic / then it reproduces the spec's examples,
    # so the grid does not merely compare the engine with itself
    assert oracle_shift(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert oracle_shift(date(2026, 1, 31), 2) == date(2026, 3, 31)
    quarters = oracle_periods(date(2003, 1, 20), 3, Alignment.ANNIVERSARY)
    assert (quarters[4].days[0], len(quarters[4].days)) == (date(2004, 1, 20), 91)
    two_years = oracle_periods(date(2025, 6, 15), 24, Alignment.CALENDAR)
    assert (two_years[0].days[0], two_years[0].days[-1]) == (date(2025, 1, 1), date(2026, 12, 31))
    # 19.99 * 2.5 * 3 = 149.925 per quarter; 2 of 91 days: 299.85 / 91 = 3.2951
    assert oracle_net(FeeUnit.MONTH, Interval.QUARTER, 2, 91) == Decimal("3.30")
