"""The seller's own data: what issuing needs, validation, and setting it from a TOML file.

The profile is one row. Its country decides the customers' tax treatment (domestic, EU,
non-EU; registered with ``customers.tax.register_home_country``); changing it re-derives
every customer's treatment in the same transaction. ``seller_missing`` is the list issuing
checks (``issue_rules.seller_check``) and the ``seller_profile`` command prints.
"""

import tomllib
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_countries import countries
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError as StdnumError

from hostkontor.core.audit import audit_record
from hostkontor.core.errors import FieldErrors
from hostkontor.customers.models import Customer
from hostkontor.customers.tax import VatIdError, derive_tax_treatment, normalize_vat_id

from .models import SellerProfile

# File key → model field; the keys are documented in docs/invoicing-law.md.
FILE_KEYS = {
    "company": "company",
    "street": "street",
    "zip": "zip_code",
    "city": "city",
    "country": "country",
    "vat_id": "vat_id",
    "tax_number": "tax_number",
    "register_court": "register_court",
    "register_number": "register_number",
    "managing_directors": "managing_directors",
    "email": "email",
    "phone": "phone",
    "website": "website",
    "bank": "bank_name",
    "iban": "iban",
    "bic": "bic",
}
PROFILE_FIELDS = [*FILE_KEYS.values(), "books_closed_until"]


def seller_country() -> str:
    """The profile's country without creating the row (read by customers on every save)."""
    from django.conf import settings

    country = SellerProfile.objects.order_by("pk").values_list("country", flat=True).first()
    return country or settings.SELLER_COUNTRY


def seller_missing(profile: SellerProfile, *, reverse_charge: bool = False, bank: bool = True):
    """Translated names of what issuing still needs, in the order of the settings page."""
    missing = []
    for field in ("company", "street", "zip_code", "city", "country"):
        if not getattr(profile, field).strip():
            missing.append(str(SellerProfile._meta.get_field(field).verbose_name))
    if reverse_charge and not profile.vat_id:
        missing.append(_("VAT id (needed for reverse charge invoices)"))
    elif not (profile.vat_id or profile.tax_number):
        missing.append(_("tax number or VAT id"))
    if bank and not profile.iban:
        missing.append(_("IBAN (invoices are paid by bank transfer)"))
    return missing


def _clean_one(field: str, value, country: str):
    """The stored form of one value; raises ValueError with the reason."""
    if field == "books_closed_until":
        if value in (None, ""):
            return None
        day = value if isinstance(value, date) else date.fromisoformat(str(value))
        if day > timezone.localdate():
            raise ValueError(_("a period can only be closed up to today"))
        return day
    if field == "managing_directors" and isinstance(value, list):
        value = ", ".join(str(name) for name in value)
    if not isinstance(value, str):
        raise ValueError(_("must be text"))
    value = value.strip()
    if not value:
        return ""
    if field == "country":
        value = value.upper()
        if value not in countries:
            raise ValueError(_("%(value)r is not an ISO 3166 country code") % {"value": value})
    elif field == "vat_id":
        try:
            value = normalize_vat_id(country, value)
        except VatIdError as error:
            raise ValueError(str(error)) from None
    elif field in ("iban", "bic"):
        module = stdnum_iban if field == "iban" else stdnum_bic
        try:
            value = module.validate(value)
        except StdnumError as error:
            raise ValueError(_("not a valid %(what)s (%(reason)s)") % {
                "what": field.upper(), "reason": error.message
            }) from None  # fmt: skip
    elif field == "email":
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError(_("%(value)r is not an e-mail address") % {"value": value}) from None
    return value


def seller_values_clean(values: dict, profile: SellerProfile) -> tuple[dict, dict[str, str]]:
    """``{field: value}`` cleaned, and ``{field: message}`` errors; the VAT id is checked
    against the country given with it (or the profile's)."""
    country = str(values.get("country") or profile.country).strip().upper()
    cleaned, errors = {}, {}
    for field, value in values.items():
        try:
            cleaned[field] = _clean_one(field, value, country)
        except ValueError as error:
            errors[field] = str(error)
    return cleaned, errors


def customers_tax_rederive(country: str) -> int:
    """Every customer's treatment for the seller's new country; the number changed."""
    changed = []
    rows = Customer.objects.select_for_update().only(
        "country", "vat_id", "is_business", "tax_treatment"
    )
    for customer in rows:
        treatment = derive_tax_treatment(
            country=customer.country.code,
            vat_id=customer.vat_id,
            seller_country=country,
            is_business=customer.is_business,
        )
        if treatment != customer.tax_treatment:
            customer.tax_treatment = treatment
            changed.append(customer)
    Customer.objects.bulk_update(changed, ["tax_treatment"], batch_size=1000)
    return len(changed)


@transaction.atomic
def seller_profile_update(*, actor, values: dict, source: str = "") -> SellerProfile:
    """Set ``values`` (model field names) all or nothing, audited with the field diff."""
    profile = SellerProfile.current()
    profile = SellerProfile.objects.select_for_update().get(pk=profile.pk)
    cleaned, errors = seller_values_clean(values, profile)
    if errors:
        raise FieldErrors(errors)
    changes = {
        field: [str(getattr(profile, field) or ""), str(value or "")]
        for field, value in cleaned.items()
        if getattr(profile, field) != value
    }
    if not changes:
        return profile
    for field, value in cleaned.items():
        setattr(profile, field, value)
    profile.save()
    if "country" in changes:
        changes["customers_rederived"] = ["", str(customers_tax_rederive(profile.country))]
    if source:
        changes["source"] = ["", source]
    audit_record(actor=actor, action="seller_profile.updated", obj=profile, changes=changes)
    return profile


def seller_file_read(path: str) -> dict:
    """The TOML file's keys as model fields; FieldErrors names the file and key."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise FieldErrors({path: error.strerror or str(error)}) from None
    except tomllib.TOMLDecodeError as error:
        raise FieldErrors({path: str(error)}) from None
    unknown = sorted(set(data) - set(FILE_KEYS))
    if unknown:
        raise FieldErrors(
            {
                f"{path}, key {key!r}": _("unknown key; known keys: %(keys)s")
                % {"keys": ", ".join(FILE_KEYS)}
                for key in unknown
            }
        )
    return {FILE_KEYS[key]: value for key, value in data.items()}


FIELD_KEYS = {field: key for key, field in FILE_KEYS.items()}


def seller_file_apply(*, actor, path: str) -> SellerProfile:
    """Read, validate and store the file, all or nothing; errors carry file and key."""
    values = seller_file_read(path)
    try:
        return seller_profile_update(actor=actor, values=values, source=path)
    except FieldErrors as error:
        raise FieldErrors(
            {
                f"{path}, key {FIELD_KEYS.get(field, field)!r}": message
                for field, message in error.errors.items()
            }
        ) from None
