"""Tax treatment of a customer, derived from country and VAT id, and VAT id validation."""

from collections.abc import Callable

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum import get_cc_module
from stdnum.exceptions import ValidationError as StdnumValidationError

from hostkontor.billing.engine.tax import EU_COUNTRIES, treatment_for

# The VAT id prefix differs from the ISO code for Greece.
VAT_PREFIX = {"GR": "EL"}


class TaxTreatment(models.TextChoices):
    DOMESTIC = "domestic", _("domestic (VAT applies)")
    EU_REVERSE_CHARGE = "eu_reverse_charge", _("EU reverse charge")
    NON_EU = "non_eu", _("outside the EU (not taxable here)")
    NON_EU_CONSUMER = "non_eu_consumer", _("consumer outside the EU (VAT applies)")


class VatIdError(ValueError):
    pass


def normalize_vat_id(country: str, vat_id: str) -> str:
    """Validate ``vat_id`` for ``country`` and return it compact with its country prefix.

    EU ids must carry their country's prefix (DE…, EL… for Greece); ids of other countries
    are checked by that country's rules where python-stdnum knows them.
    """
    vat_id = (vat_id or "").strip()
    if not vat_id:
        return ""
    country = country.upper()
    compact = "".join(ch for ch in vat_id.upper() if ch.isalnum())
    prefix = VAT_PREFIX.get(country, country)
    if country in EU_COUNTRIES:
        if not compact.startswith(prefix):
            compact = prefix + compact
        module = get_cc_module("eu", "vat")
    else:
        module = get_cc_module(country.lower(), "vat")
        if module is None:
            return compact  # a country python-stdnum has no rules for: keep as given
    try:
        return module.validate(compact)
    except StdnumValidationError as error:
        raise VatIdError(
            _("%(vat)s is not a valid VAT id for %(country)s (%(reason)s).")
            % {"vat": vat_id, "country": country, "reason": error.message}
        ) from None


def derive_tax_treatment(
    *, country: str, vat_id: str, seller_country: str, is_business: bool = True
) -> str:
    """The billing engine's rule; the VAT id was validated when it was entered.

    Goods vs. services is decided per invoice line (``engine.tax.line_treatment``).
    """
    treatment = treatment_for(
        country, bool(vat_id), home_country=seller_country, is_business=is_business
    )
    return TaxTreatment(treatment.value)


_home_country_provider: Callable[[], str] | None = None


def register_home_country(provider: Callable[[], str]) -> None:
    """Billing plugs in the seller profile's country (customers sits below billing)."""
    global _home_country_provider
    _home_country_provider = provider


def home_country() -> str:
    """The seller's country: the seller profile's once billing registered it (always in the
    running app), ``HOSTKONTOR_SELLER_COUNTRY`` only before that."""
    if _home_country_provider is not None:
        return _home_country_provider()
    return settings.SELLER_COUNTRY
