from decimal import Decimal

from django.utils import translation

from .templatetags.formatting import money


def test_money_in_german_and_english():
    with translation.override("de"):
        assert money(Decimal("1234.5")) == "1.234,50\xa0€"
        assert money(Decimal("-0.05")) == "-0,05\xa0€"
    with translation.override("en"):
        assert money(Decimal("1234.5")) == "€1,234.50"
        assert money(Decimal("-7")) == "-€7.00"
