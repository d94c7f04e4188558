"""Property-based tests: exactly once, proration, price history, imports, tax totals."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from .drafts import due_lines, full_period_amount, period_amount
from .months import add_months, days_in_month
from .periods import Period, iter_periods
from .tax import invoice_totals
from .terms import Alignment, ContractTerms, FeeUnit, Interval, Mode, PriceChange

# No example database: tests must not write into the working tree.
PROPERTY = settings(database=None, deadline=None, max_examples=150)

ONE_DAY = timedelta(days=1)
CENT = Decimal("0.01")

dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
money = st.integers(min_value=0, max_value=200_000).map(lambda cents: Decimal(cents) / 100)
positive_money = st.integers(min_value=1, max_value=200_000).map(lambda c: Decimal(c) / 100)
quantities = st.integers(min_value=1, max_value=10_000).map(lambda q: Decimal(q) / 100)


@st.composite
def contracts(draw, *, price_changes: bool = False, fee=positive_money):
    start = draw(dates)
    end = draw(st.none() | st.integers(0, 1500).map(lambda n: start + timedelta(days=n)))
    billed_until = draw(st.none() | st.integers(0, 900).map(lambda n: start + timedelta(days=n)))
    changes = ()
    if price_changes:
        offsets = draw(st.lists(st.integers(-40, 1500), min_size=1, max_size=3, unique=True))
        changes = tuple(
            PriceChange(start + timedelta(days=o), draw(money)) for o in sorted(offsets)
        )
    return ContractTerms(
        key="p",
        start=start,
        end=end,
        setup_fee=draw(money),
        fee=draw(fee),
        fee_unit=draw(st.sampled_from(FeeUnit)),
        interval=draw(st.sampled_from(Interval)),
        mode=draw(st.sampled_from(Mode)),
        alignment=draw(st.sampled_from(Alignment)),
        quantity=draw(quantities),
        tax_rate=draw(st.sampled_from([Decimal("19.00"), Decimal("7.00"), Decimal("0.00")])),
        billed_until=billed_until,
        price_changes=changes,
    )


def feed_back(terms: ContractTerms, lines) -> ContractTerms:
    """What the database reports after an invoice with ``lines`` was saved."""
    return replace(
        terms,
        setup_billed=terms.setup_billed or any(line.kind == "setup" for line in lines),
        billed_period_starts=terms.billed_period_starts
        | {line.period_start for line in lines if line.kind == "period"},
    )


def half_up(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- exactly once -----------------------------------------------------------------------------


@PROPERTY
@given(
    contracts(price_changes=False) | contracts(price_changes=True),
    st.integers(-10, 1200),
    st.integers(0, 1200),
)
def test_two_runs_with_feedback_equal_one_run(terms, first_offset, gap):
    # given a run on D1 whose billed periods are fed back, then a run on D2 >= D1
    d1 = terms.start + timedelta(days=first_offset)
    d2 = d1 + timedelta(days=gap)
    first = due_lines(terms, d1)
    after_first = feed_back(terms, first)
    second = due_lines(after_first, d2)
    # then together they bill exactly what one run on D2 bills, in the same order
    once = due_lines(terms, d2)
    assert [line for line in first if line.kind == "setup"] + [
        line for line in second if line.kind == "setup"
    ] == [line for line in once if line.kind == "setup"]
    periods = [line for line in first + second if line.kind == "period"]
    assert periods == [line for line in once if line.kind == "period"]
    # no period start twice, and a repeated run bills nothing
    starts = [line.period_start for line in periods]
    assert len(starts) == len(set(starts))
    assert due_lines(feed_back(after_first, second), d2) == []


@PROPERTY
@given(contracts(), st.integers(0, 1500), st.data())
def test_credit_note_makes_exactly_its_periods_due_again(terms, offset, data):
    # given everything due on D billed, then one period's invoice credited
    run = terms.start + timedelta(days=offset)
    lines = [line for line in due_lines(terms, run) if line.kind == "period"]
    assume(lines)
    credited = data.draw(st.sampled_from(lines))
    billed = feed_back(terms, lines)
    reopened = replace(
        billed, billed_period_starts=billed.billed_period_starts - {credited.period_start}
    )
    # then the next run bills exactly that period again, with the same amount
    assert [line for line in due_lines(reopened, run) if line.kind == "period"] == [credited]


@PROPERTY
@given(contracts(price_changes=True), st.integers(0, 1500))
def test_lines_never_leave_the_contract_or_the_import_cutoff(terms, offset):
    # given any contract / when running at any date
    run = terms.start + timedelta(days=offset)
    periods = [line for line in due_lines(terms, run) if line.kind == "period"]
    # then lines lie within [start, end], after billed_until, and follow each other gaplessly
    for line in periods:
        assert terms.start <= line.period_start <= line.period_end
        assert terms.end is None or line.period_end <= terms.end
        assert terms.billed_until is None or line.period_start > terms.billed_until
        assert line.period_start <= run
        assert 1 <= line.days <= line.full_days
        assert line.days == (line.period_end - line.period_start).days + 1
    for before, after in zip(periods, periods[1:], strict=False):
        assert after.period_start > before.period_end


@PROPERTY
@given(contracts(), st.integers(0, 900))
def test_import_cutoff_bills_exactly_the_days_after_it(terms, cut_offset):
    # given the same contract fresh and imported as billed until B
    terms = replace(terms, billed_until=None, price_changes=())
    cut = terms.start + timedelta(days=cut_offset)
    imported = replace(terms, billed_until=cut)
    run = cut + timedelta(days=800)
    fresh = [line for line in due_lines(terms, run) if line.kind == "period"]
    after = due_lines(imported, run)
    # then the import bills no setup, fresh periods entirely after B unchanged,
    # and the period containing B only from B + 1 day, against the same full period
    assert all(line.kind == "period" for line in after)
    expected_tail = [line for line in fresh if line.period_start > cut]
    straddling = [line for line in fresh if line.period_start <= cut < line.period_end]
    if straddling:
        head = after[0]
        assert (head.period_start, head.period_end, head.full_days) == (
            cut + ONE_DAY,
            straddling[0].period_end,
            straddling[0].full_days,
        )
        after = after[1:]
    assert after == expected_tail


# --- proration --------------------------------------------------------------------------------


@PROPERTY
@given(contracts(), st.integers(0, 12), st.lists(st.integers(0, 800), max_size=5))
def test_partial_periods_add_up_to_the_full_period(terms, index, raw_cuts):
    # given one uncut period of the contract split into consecutive partial periods
    terms = replace(terms, end=None, price_changes=())
    full = next(p for i, p in enumerate(iter_periods(terms)) if i == index + 1)
    cuts = sorted({c % full.full_days for c in raw_cuts} - {0})
    bounds = [0, *cuts, full.full_days]
    parts = [
        Period(
            full.full_start + timedelta(days=a),
            full.full_start + timedelta(days=b - 1),
            full.full_start,
            full.full_end,
        )
        for a, b in zip(bounds, bounds[1:], strict=False)
    ]
    P = full_period_amount(terms.fee, terms.quantity, terms.fee_unit, terms.interval)
    amounts = [period_amount(terms, part) for part in parts]
    # then each part is its day-weighted share of P rounded once, never more than P,
    # and the rounded parts sum to P within half a cent per part
    for part, amount in zip(parts, amounts, strict=True):
        with localcontext() as ctx:
            ctx.prec = 50
            exact = (terms.fee * terms.quantity * terms.interval.months * part.days) / (
                terms.fee_unit.months * part.full_days
            )
        assert amount == half_up(exact)
        assert Decimal(0) <= amount <= P
    assert abs(sum(amounts) - P) <= Decimal("0.005") * len(parts)
    if len(parts) == 1:
        assert amounts == [P]


@PROPERTY
@given(contracts(price_changes=True, fee=money), st.integers(0, 1500))
def test_price_history_equals_a_day_by_day_sum(terms, offset):
    # given a contract with price changes / when running at any date
    lines = [
        line
        for line in due_lines(terms, terms.start + timedelta(days=offset))
        if line.kind == "period"
    ]
    # then each line is the sum over its days of that day's fee share, rounded once
    for line in lines:
        with localcontext() as ctx:
            ctx.prec = 60
            total = Decimal(0)
            fees = set()
            day = line.period_start
            while day <= line.period_end:
                fee = terms.fee
                for change in terms.price_changes:
                    if change.valid_from <= day:
                        fee = change.fee
                fees.add(fee)
                total += fee
                day += ONE_DAY
            exact = (total * terms.quantity * terms.interval.months) / (
                terms.fee_unit.months * line.full_days
            )
        assert line.net == half_up(exact)

        # and lies between the line priced wholly at the lowest and highest fee
        def whole(fee, line=line):
            return half_up(
                fee
                * terms.quantity
                * terms.interval.months
                * line.days
                / (terms.fee_unit.months * line.full_days)
            )

        assert whole(min(fees)) <= line.net <= whole(max(fees))
        assert any(fee != 0 for fee in fees)


@PROPERTY
@given(contracts(), st.integers(-30, 1500), st.integers(0, 1500))
def test_a_price_change_to_the_same_fee_changes_nothing(terms, change_offset, run_offset):
    # given a "price change" that keeps the fee / then every line is unchanged
    terms = replace(terms, price_changes=())
    same = replace(
        terms,
        price_changes=(PriceChange(terms.start + timedelta(days=change_offset), terms.fee),),
    )
    run = terms.start + timedelta(days=run_offset)
    assert due_lines(same, run) == due_lines(terms, run)


# --- months and tax ---------------------------------------------------------------------------


@PROPERTY
@given(dates, st.integers(-300, 300))
def test_add_months_lands_in_the_right_month_on_the_clamped_day(d, n):
    # given any date and offset / then the target month is n months on, the day clamped
    result = add_months(d, n)
    assert result.year * 12 + result.month == d.year * 12 + d.month + n
    assert result.day == min(d.day, days_in_month(result.year, result.month))


lines_st = st.lists(
    st.tuples(
        st.integers(-100_000, 100_000).map(lambda c: Decimal(c) / 100),
        st.sampled_from([Decimal("19.00"), Decimal("7.00"), Decimal("0.00"), Decimal("16")]),
    ),
    max_size=12,
)


@dataclass(frozen=True)
class Line:
    net: Decimal
    tax_rate: Decimal


@PROPERTY
@given(lines_st)
def test_invoice_totals_per_rate(pairs):
    # given any lines / when totalling
    lines = [Line(net, rate) for net, rate in pairs]
    totals = invoice_totals(lines)
    # then per rate: net is the sum, tax its rounded share; totals add up
    for rate in {rate for _, rate in pairs}:
        net = sum((n for n, r in pairs if r == rate), Decimal("0.00"))
        assert totals.tax_by_rate[rate] == (net, half_up(net * rate / 100))
    assert totals.net == sum((n for n, _ in pairs), Decimal("0.00"))
    assert totals.tax == sum((t for _, t in totals.tax_by_rate.values()), Decimal("0.00"))
    assert totals.gross == totals.net + totals.tax
    # and a credit note (negated lines) mirrors the invoice exactly
    credit = invoice_totals([Line(-line.net, line.tax_rate) for line in lines])
    assert (credit.net, credit.tax, credit.gross) == (-totals.net, -totals.tax, -totals.gross)
