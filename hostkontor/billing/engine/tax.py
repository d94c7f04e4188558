"""Tax treatment of a customer and invoice totals.

Tax is computed per tax rate on the sum of the net lines at that rate and
rounded once (half up) — not per line — so an invoice's tax equals what a tax
office recomputes from its printed per-rate subtotals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import NamedTuple, Protocol

from .money import ZERO, round_cents

__all__ = [
    "EU_COUNTRIES",
    "RateTotal",
    "TaxTreatment",
    "Totals",
    "applied_rate",
    "SupplyKind",
    "invoice_totals",
    "line_treatment",
    "treatment_for",
]


class TaxTreatment(StrEnum):
    """How a customer's invoices are taxed.

    ``domestic`` also covers EU customers without a VAT id (the line's rate
    applies); ``eu_reverse_charge`` (EU customer with a valid VAT id) and
    ``non_eu`` (business outside the EU) are billed at 0 % and the invoice must say
    why; ``non_eu_consumer`` pays German VAT on services (place of supply: the seller's,
    § 3a Abs. 1 UStG) while goods sent to them are exports.

    ``intra_eu_supply`` and ``export`` are line treatments only (goods, see
    :func:`line_treatment`), never a customer's.
    """

    DOMESTIC = "domestic"
    EU_REVERSE_CHARGE = "eu_reverse_charge"
    NON_EU = "non_eu"
    NON_EU_CONSUMER = "non_eu_consumer"
    INTRA_EU_SUPPLY = "intra_eu_supply"
    EXPORT = "export"


class SupplyKind(StrEnum):
    """What a line sells: the place of supply and the exemptions differ for goods."""

    SERVICE = "service"
    GOODS = "goods"


# ISO 3166-1 alpha-2 codes of the EU member states; "EL" is Greece's VAT prefix.
EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE EL ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)


def treatment_for(
    country: str, has_vat_id: bool, *, home_country: str = "DE", is_business: bool = True
) -> TaxTreatment:
    """Treatment for a customer in ``country`` (ISO code); the VAT id is checked on entry.

    A consumer is never reverse charge (a VAT id alone does not make a business).
    """
    country = country.strip().upper()
    if country == home_country.upper():
        return TaxTreatment.DOMESTIC
    if country in EU_COUNTRIES:
        if has_vat_id and is_business:
            return TaxTreatment.EU_REVERSE_CHARGE
        return TaxTreatment.DOMESTIC
    return TaxTreatment.NON_EU if is_business else TaxTreatment.NON_EU_CONSUMER


def line_treatment(treatment: TaxTreatment | str, kind: SupplyKind | str) -> TaxTreatment:
    """The treatment of one line: services follow the customer's treatment; goods to an EU
    business are an intra-community supply, goods to anyone outside the EU an export.

    Goods to an EU customer without a VAT id stay domestic: distance sales above the EU
    one-stop-shop threshold are not modelled (docs/invoicing-law.md).
    """
    treatment = TaxTreatment(treatment)
    if SupplyKind(kind) is SupplyKind.SERVICE:
        return treatment
    if treatment is TaxTreatment.EU_REVERSE_CHARGE:
        return TaxTreatment.INTRA_EU_SUPPLY
    if treatment in (TaxTreatment.NON_EU, TaxTreatment.NON_EU_CONSUMER):
        return TaxTreatment.EXPORT
    return treatment


def applied_rate(treatment: TaxTreatment | str, rate: Decimal) -> Decimal:
    """The rate a line actually carries: ``rate`` where German VAT applies, else ``0.00``."""
    if TaxTreatment(treatment) in (TaxTreatment.DOMESTIC, TaxTreatment.NON_EU_CONSUMER):
        return rate
    return ZERO


class TaxedLine(Protocol):
    """Anything with a net amount and the tax rate applied to it (both in hundredths)."""

    @property
    def net(self) -> Decimal: ...

    @property
    def tax_rate(self) -> Decimal: ...


class RateTotal(NamedTuple):
    net: Decimal
    tax: Decimal


@dataclass(frozen=True, slots=True)
class Totals:
    """Invoice totals; ``tax_by_rate`` maps rate (two decimals) to (net, tax), highest first."""

    net: Decimal
    tax_by_rate: dict[Decimal, RateTotal]
    tax: Decimal
    gross: Decimal


def _cents(value: Decimal, what: str) -> Fraction:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise ValueError(f"{what} must be a finite Decimal, got {value!r}")
    exact = Fraction(value)
    if (exact * 100).denominator != 1:
        raise ValueError(f"{what} must be rounded to cents, got {value}")
    return exact


def invoice_totals(lines: Iterable[TaxedLine]) -> Totals:
    """Net, per-rate tax and gross of an invoice's lines.

    Per rate: ``tax = round(sum(net) * rate / 100)`` half up; ``gross = net + tax``.
    Line nets must already be whole cents (each line is rounded once when made).
    """
    nets: dict[Fraction, Fraction] = {}
    for line in lines:
        net = _cents(line.net, "line net")
        rate = _cents(line.tax_rate, "tax rate")
        nets[rate] = nets.get(rate, Fraction(0)) + net
    by_rate: dict[Decimal, RateTotal] = {}
    total_net = Fraction(0)
    total_tax = Fraction(0)
    for rate in sorted(nets, reverse=True):
        tax = round_cents(nets[rate] * rate / 100)
        by_rate[round_cents(rate)] = RateTotal(net=round_cents(nets[rate]), tax=tax)
        total_net += nets[rate]
        total_tax += Fraction(tax)
    return Totals(
        net=round_cents(total_net),
        tax_by_rate=by_rate,
        tax=round_cents(total_tax),
        gross=round_cents(total_net + total_tax),
    )
