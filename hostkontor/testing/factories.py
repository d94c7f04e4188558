"""Small builders for test data. Domain rules are tested through the services; these only
save rows so that other apps' tests can start from a known state."""

from datetime import date
from decimal import Decimal

from hostkontor.contracts.models import Contract, ContractType
from hostkontor.customers.models import Customer


def make_customer(
    number: str = "K10001", company: str = "dmmd GmbH & Co. KG", **fields
) -> Customer:
    defaults = {
        "street": "Osnabrücker Straße 12",
        "zip_code": "49176",
        "city": "Hilter",
        "country": "DE",
        "email": "buchhaltung@example.com",
        "tax_treatment": "domestic",
    }
    defaults.update(fields)
    return Customer.objects.create(number=number, company=company, **defaults)


def make_contract(
    customer: Customer, reference: str, type_name: str = "Domain Server Standard", **fields
) -> Contract:
    contract_type, _ = ContractType.objects.get_or_create(name=type_name)
    values = {
        "start": date(2003, 1, 20),
        "end": None,
        "setup_fee": Decimal("0.00"),
        "fee": Decimal("19.00"),
        "fee_unit": "month",
        "interval": "quarter",
        "mode": "advance",
        "alignment": "anniversary",
        "tax_rate": Decimal("19.00"),
    }
    values.update(fields)
    return Contract.objects.create(
        customer=customer, reference=reference, contract_type=contract_type, **values
    )


COMPLETE_SELLER = {
    "company": "Agentur Kahl GmbH",
    "street": "Am Bahnhof 3",
    "zip_code": "49176",
    "city": "Hilter",
    "country": "DE",
    "vat_id": "DE136695976",
    "tax_number": "66/201/12345",
    "register_court": "Amtsgericht Osnabrück",
    "register_number": "HRB 12345",
    "managing_directors": "Sönke Kahl",
    "email": "rechnung@kahl.example",
    "bank_name": "Sparkasse Osnabrück",
    "iban": "DE02120300000000202051",
    "bic": "BYLADEM1001",
}


def make_seller_profile(**fields):
    """The seller profile with everything issuing requires (issue 10), ``fields`` overriding."""
    from hostkontor.billing.models import SellerProfile

    profile = SellerProfile.current()
    for name, value in {**COMPLETE_SELLER, **fields}.items():
        setattr(profile, name, value)
    profile.save()
    return profile
