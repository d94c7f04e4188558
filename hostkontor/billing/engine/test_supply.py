"""Goods vs. services and consumers outside the EU (issue 10): pure, no database."""

from decimal import Decimal

import pytest

from .tax import TaxTreatment, applied_rate, line_treatment, treatment_for

T = TaxTreatment


@pytest.mark.parametrize(
    ("country", "vat_id", "business", "expected"),
    [
        ("DE", False, False, T.DOMESTIC),
        ("AT", True, True, T.EU_REVERSE_CHARGE),
        ("AT", True, False, T.DOMESTIC),  # a consumer is never reverse charge
        ("AT", False, True, T.DOMESTIC),
        ("CH", True, True, T.NON_EU),
        ("US", False, False, T.NON_EU_CONSUMER),
    ],
)
def test_customer_treatment(country, vat_id, business, expected):
    assert treatment_for(country, vat_id, home_country="DE", is_business=business) is expected


@pytest.mark.parametrize(
    ("customer", "kind", "line", "rate"),
    [
        (T.DOMESTIC, "goods", T.DOMESTIC, "19.00"),
        (T.EU_REVERSE_CHARGE, "service", T.EU_REVERSE_CHARGE, "0.00"),
        (T.EU_REVERSE_CHARGE, "goods", T.INTRA_EU_SUPPLY, "0.00"),
        (T.NON_EU, "service", T.NON_EU, "0.00"),
        (T.NON_EU, "goods", T.EXPORT, "0.00"),
        (T.NON_EU_CONSUMER, "service", T.NON_EU_CONSUMER, "19.00"),
        (T.NON_EU_CONSUMER, "goods", T.EXPORT, "0.00"),
    ],
)
def test_line_treatment_and_rate(customer, kind, line, rate):
    assert line_treatment(customer, kind) is line
    assert applied_rate(line, Decimal("19.00")) == Decimal(rate)
