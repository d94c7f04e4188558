"""Tax treatment and invoice totals: per-rate tax on summed nets, rounded half up once."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from .tax import RateTotal, TaxTreatment, applied_rate, invoice_totals, treatment_for

D = Decimal


@dataclass(frozen=True)
class Line:
    net: Decimal
    tax_rate: Decimal


def lines(*pairs: tuple[str, str]) -> list[Line]:
    return [Line(D(net), D(rate)) for net, rate in pairs]


@pytest.mark.parametrize(
    ("net", "rate", "tax"),
    [
        ("1.50", "7.00", "0.11"),  # 0.105: half up (half even would give 0.10)
        ("1.50", "19.00", "0.29"),  # 0.285: half up (half even would give 0.28)
        ("0.50", "19.00", "0.10"),  # 0.095
        ("10.50", "7.00", "0.74"),  # 0.735
        ("0.02", "19.00", "0.00"),  # 0.0038
        ("100.00", "19.00", "19.00"),
        ("0.01", "50.00", "0.01"),  # 0.005 exactly
        ("0.01", "49.99", "0.00"),  # 0.004999
    ],
)
def test_tax_of_one_rate_is_rounded_half_up(net, rate, tax):
    # given one line / when totalling / then tax = round(net * rate / 100) half up
    totals = invoice_totals(lines((net, rate)))
    assert totals.tax == D(tax)
    assert totals.gross == D(net) + D(tax)
    assert totals.tax_by_rate == {D(rate): RateTotal(D(net), D(tax))}


def test_tax_is_computed_on_the_sum_per_rate_not_per_line():
    # given three lines of 0.07 at 7 % (per line 0.0049 -> 0.00 each)
    totals = invoice_totals(lines(("0.07", "7"), ("0.07", "7.00"), ("0.07", "7.0")))
    # then the tax is round(0.21 * 7 / 100) = round(0.0147) = 0.01, under one rate key 7.00
    assert totals.tax_by_rate == {D("7.00"): RateTotal(D("0.21"), D("0.01"))}
    assert str(next(iter(totals.tax_by_rate))) == "7.00"
    assert (totals.net, totals.tax, totals.gross) == (D("0.21"), D("0.01"), D("0.22"))


def test_mixed_rates_are_grouped_highest_first():
    # given lines at 19 %, 7 % and 0 %
    totals = invoice_totals(
        lines(("10.00", "7.00"), ("33.33", "19.00"), ("5.00", "0.00"), ("0.01", "19.00"))
    )
    # then each rate has its net and tax; totals add up
    assert list(totals.tax_by_rate.items()) == [
        (D("19.00"), RateTotal(D("33.34"), D("6.33"))),  # 6.3346
        (D("7.00"), RateTotal(D("10.00"), D("0.70"))),
        (D("0.00"), RateTotal(D("5.00"), D("0.00"))),
    ]
    assert (totals.net, totals.tax, totals.gross) == (D("48.34"), D("7.03"), D("55.37"))


def test_empty_invoice_and_credit_note_mirror():
    # given no lines / then all totals are 0.00
    empty = invoice_totals([])
    assert (empty.net, empty.tax, empty.gross, empty.tax_by_rate) == (
        D("0.00"),
        D("0.00"),
        D("0.00"),
        {},
    )
    # given a credit note with negated lines / then its totals are exactly the negated ones
    # (ROUND_HALF_UP rounds a tie away from zero on both sides)
    invoice = invoice_totals(lines(("1.50", "19.00"), ("1.50", "7.00")))
    credit = invoice_totals(lines(("-1.50", "19.00"), ("-1.50", "7.00")))
    assert (invoice.tax, invoice.gross) == (D("0.40"), D("3.40"))
    assert (credit.tax, credit.gross) == (D("-0.40"), D("-3.40"))


def test_nets_not_rounded_to_cents_are_rejected():
    # given a line that was not rounded to cents / then totalling refuses it
    with pytest.raises(ValueError, match="cents"):
        invoice_totals(lines(("1.005", "19.00")))
    with pytest.raises(ValueError, match="Decimal"):
        invoice_totals([Line(1.5, D("19.00"))])


@pytest.mark.parametrize(
    ("treatment", "expected"),
    [
        (TaxTreatment.DOMESTIC, D("19.00")),
        (TaxTreatment.EU_REVERSE_CHARGE, D("0.00")),
        (TaxTreatment.NON_EU, D("0.00")),
        ("non_eu", D("0.00")),
    ],
)
def test_applied_rate(treatment, expected):
    # given a treatment / then the line rate is kept only for domestic customers
    assert applied_rate(treatment, D("19.00")) == expected
    assert str(applied_rate(treatment, D("19.00"))) == str(expected)


def test_reverse_charge_and_non_eu_invoices_have_no_tax():
    # given lines at the rate applied for reverse charge / then tax is 0.00 and gross = net
    rate = applied_rate(TaxTreatment.EU_REVERSE_CHARGE, D("19.00"))
    totals = invoice_totals(lines(("99.99", str(rate)), ("0.01", str(rate))))
    assert (totals.net, totals.tax, totals.gross) == (D("100.00"), D("0.00"), D("100.00"))


@pytest.mark.parametrize(
    ("country", "has_vat_id", "expected"),
    [
        ("DE", False, TaxTreatment.DOMESTIC),
        ("de", True, TaxTreatment.DOMESTIC),
        ("AT", False, TaxTreatment.DOMESTIC),  # EU without VAT id: line rate applies
        ("AT", True, TaxTreatment.EU_REVERSE_CHARGE),
        ("GR", True, TaxTreatment.EU_REVERSE_CHARGE),
        ("CH", True, TaxTreatment.NON_EU),
        ("US", False, TaxTreatment.NON_EU),
        ("GB", True, TaxTreatment.NON_EU),
    ],
)
def test_treatment_for_customer_location(country, has_vat_id, expected):
    # given a customer country and whether a (validated) VAT id exists / then the treatment
    assert treatment_for(country, has_vat_id) is expected
