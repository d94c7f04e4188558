import pytest

from .tax import TaxTreatment, VatIdError, derive_tax_treatment, normalize_vat_id


@pytest.mark.parametrize(
    ("country", "vat_id", "expected"),
    [
        ("DE", "DE 136 695 976", "DE136695976"),
        ("NL", "004495445B01", "NL004495445B01"),
        ("GR", "094259216", "EL094259216"),
        ("DE", "", ""),
    ],
)
def test_vat_ids_are_validated_for_their_country_and_kept_compact(country, vat_id, expected):
    assert normalize_vat_id(country, vat_id) == expected


@pytest.mark.parametrize(
    ("country", "vat_id"), [("DE", "DE136695977"), ("NL", "NL123"), ("DE", "ATU13585627")]
)
def test_invalid_vat_ids_are_rejected_with_the_value_named(country, vat_id):
    with pytest.raises(VatIdError, match=vat_id):
        normalize_vat_id(country, vat_id)


@pytest.mark.parametrize(
    ("country", "vat_id", "treatment"),
    [
        ("DE", "DE136695976", TaxTreatment.DOMESTIC),
        ("DE", "", TaxTreatment.DOMESTIC),
        ("AT", "ATU13585627", TaxTreatment.EU_REVERSE_CHARGE),
        ("AT", "", TaxTreatment.DOMESTIC),
        ("CH", "", TaxTreatment.NON_EU),
        ("US", "", TaxTreatment.NON_EU),
    ],
)
def test_tax_treatment_follows_country_and_vat_id(country, vat_id, treatment):
    assert derive_tax_treatment(country=country, vat_id=vat_id, seller_country="DE") == treatment
