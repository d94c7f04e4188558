"""Domains, ownership, moves and domain contracts through the services."""

from datetime import date
from decimal import Decimal

import pytest

from hostkontor.billing.models import InvoiceLine
from hostkontor.billing.runs import billing_run_create, billing_run_execute
from hostkontor.contracts.models import Contract
from hostkontor.core.errors import FieldErrors
from hostkontor.core.models import AuditEvent
from hostkontor.testing.factories import make_contract, make_customer
from hostkontor.vault.crypto import VaultDecryptError

from .models import Domain, DomainOwnership, TldPrice
from .services import (
    DomainData,
    domain_auth_code,
    domain_create,
    domain_move,
    domain_update,
    tld_price_for,
    tld_price_save,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def prices():
    TldPrice.objects.create(
        tld="de",
        registrar="",
        sale_price_year=Decimal("12.00"),
        cost_year=Decimal("4.50"),
        valid_from=date(2020, 1, 1),
    )


@pytest.fixture
def customers():
    return make_customer("K10001", "dmmd GmbH"), make_customer("K10002", "Bäckerei Müller GmbH")


def contract_summary(contract: Contract) -> tuple:
    return (
        contract.customer.number,
        contract.contract_type.name,
        contract.contract_type.category,
        contract.start,
        contract.end,
        contract.fee,
        contract.fee_unit,
        contract.interval,
        contract.mode,
        sorted(d.name for d in contract.domains.all()),
    )


def ownerships(domain: Domain) -> list[tuple]:
    return [
        (o.customer.number, o.valid_from, o.valid_to)
        for o in domain.ownerships.select_related("customer").order_by("valid_from")
    ]


def test_domain_create_stores_both_name_forms_and_a_yearly_contract_from_the_price_list(
    prices, customers
):
    # given a price for .de and a customer
    customer, _other = customers
    # when a domain is added in its Unicode form with odd case
    domain = domain_create(
        actor=None,
        customer=customer,
        data=DomainData(name="Müller.DE.", registrar="Joker"),
        on=date(2026, 3, 1),
    )
    # then both forms, the TLD and the registrar are normalized
    domain.refresh_from_db()
    assert (domain.name, domain.name_ascii, domain.tld, domain.registrar) == (
        "müller.de",
        "xn--mller-kva.de",
        "de",
        "joker",
    )
    # and a yearly in-advance domain contract with the sale price starts that day
    assert [contract_summary(c) for c in domain.contracts.all()] == [
        (
            "K10001",
            "Domain .de",
            "domain",
            date(2026, 3, 1),
            None,
            Decimal("12.00"),
            "year",
            "year",
            "advance",
            ["müller.de"],
        )
    ]
    assert ownerships(domain) == [("K10001", date(2026, 3, 1), None)]
    assert AuditEvent.objects.filter(action="domain.created", object_id=str(domain.pk)).count() == 1


def test_the_registrars_own_price_wins_and_later_prices_are_not_yet_valid(prices):
    # given a cheaper price at joker, and a price rise from 2027
    TldPrice.objects.create(
        tld="de",
        registrar="joker",
        sale_price_year=Decimal("10.00"),
        cost_year=Decimal("3.90"),
        valid_from=date(2020, 1, 1),
    )
    TldPrice.objects.create(
        tld="de",
        registrar="",
        sale_price_year=Decimal("14.00"),
        cost_year=Decimal("5.00"),
        valid_from=date(2027, 1, 1),
    )
    # then each lookup takes the entry valid on that day, the registrar's own first
    assert tld_price_for("de", "joker", date(2026, 6, 1)).sale_price_year == Decimal("10.00")
    assert tld_price_for("de", "gandi", date(2026, 6, 1)).sale_price_year == Decimal("12.00")
    assert tld_price_for("de", "gandi", date(2027, 1, 1)).sale_price_year == Decimal("14.00")
    assert tld_price_for("de", "gandi", date(2019, 12, 31)) is None
    assert tld_price_for("com", "gandi", date(2026, 6, 1)) is None


def test_without_a_price_nothing_is_created(customers):
    customer, _other = customers
    with pytest.raises(FieldErrors) as excinfo:
        domain_create(
            actor=None, customer=customer, data=DomainData(name="shop.io"), on=date(2026, 1, 1)
        )
    assert list(excinfo.value.errors) == ["contract"]
    assert ".io" in excinfo.value.errors["contract"]
    assert Domain.objects.count() == 0
    assert Contract.objects.count() == 0


def test_a_domain_included_in_an_existing_contract_gets_no_own_contract(customers):
    # given the customer's server contract (no price list needed)
    customer, _other = customers
    server = make_contract(customer, "V-000001")
    # when the domain is added to it
    domain = domain_create(
        actor=None,
        customer=customer,
        data=DomainData(name="dmmd.de"),
        on=date(2026, 1, 1),
        contract=server,
    )
    # then it is part of that contract and no other
    assert list(domain.contracts.values_list("reference", flat=True)) == ["V-000001"]
    assert Contract.objects.count() == 1


def test_a_contract_of_another_customer_is_refused(customers):
    customer, other = customers
    foreign = make_contract(other, "V-000009")
    with pytest.raises(FieldErrors) as excinfo:
        domain_create(
            actor=None, customer=customer, data=DomainData(name="dmmd.de"), contract=foreign
        )
    assert list(excinfo.value.errors) == ["contract"]
    assert Domain.objects.count() == 0


def test_the_same_domain_in_punycode_is_a_duplicate(prices, customers):
    customer, _other = customers
    domain_create(actor=None, customer=customer, data=DomainData(name="müller.de"))
    with pytest.raises(FieldErrors) as excinfo:
        domain_create(actor=None, customer=customer, data=DomainData(name="XN--MLLER-KVA.de"))
    assert list(excinfo.value.errors) == ["name"]
    assert "müller.de" in excinfo.value.errors["name"]
    assert Domain.objects.count() == 1


def test_invalid_names_are_refused(customers):
    customer, _other = customers
    for name in ["localhost", "bad..de", "-x.de", ""]:
        with pytest.raises(FieldErrors) as excinfo:
            domain_create(actor=None, customer=customer, data=DomainData(name=name))
        assert "name" in excinfo.value.errors
    assert Domain.objects.count() == 0


def test_the_auth_code_is_encrypted_and_bound_to_its_row(prices, customers):
    # given two domains, one with an auth code
    customer, _other = customers
    domain = domain_create(
        actor=None, customer=customer, data=DomainData(name="a.de"), auth_code="Xq7:mT2pLw9e"
    )
    other = domain_create(actor=None, customer=customer, data=DomainData(name="b.de"))
    domain.refresh_from_db()
    # then the stored value is a vault token, not the code
    assert domain.auth_code_token.startswith("v1:test:")
    assert "Xq7:mT2pLw9e" not in domain.auth_code_token
    assert domain_auth_code(domain).reveal() == "Xq7:mT2pLw9e"
    assert str(domain_auth_code(domain)) == "********"
    # and the audit trail does not contain it
    event = AuditEvent.objects.get(action="domain.created", object_id=str(domain.pk))
    assert "Xq7" not in str(event.changes)
    # and copied to another row it does not decrypt
    other.auth_code_token = domain.auth_code_token
    with pytest.raises(VaultDecryptError):
        domain_auth_code(other)
    # and an update without a new code keeps it; "" removes it
    domain_update(actor=None, domain=domain, data=DomainData(name="a.de", notes="x"))
    domain.refresh_from_db()
    assert domain_auth_code(domain).reveal() == "Xq7:mT2pLw9e"
    domain_update(actor=None, domain=domain, data=DomainData(name="a.de"), auth_code="")
    domain.refresh_from_db()
    assert (domain.auth_code_token, domain_auth_code(domain)) == ("", None)


def test_a_domain_saved_with_only_a_name_gets_punycode_and_tld(customers):
    # as the contracts form creates them
    customer, _other = customers
    domain = Domain.objects.create(name="Bücher.example.DE", customer=customer)
    assert (domain.name, domain.name_ascii, domain.tld) == (
        "bücher.example.de",
        "xn--bcher-kva.example.de",
        "de",
    )


def test_move_without_billing_ends_the_old_contract_the_day_before(prices, customers):
    # given a domain of K10001 since 2025-01-01 with its domain contract, nothing billed
    old, new = customers
    domain = domain_create(
        actor=None, customer=old, data=DomainData(name="shop.de"), on=date(2025, 1, 1)
    )
    old_contract = domain.contracts.get()
    # when it moves to K10002 on 2025-06-01
    result = domain_move(actor=None, domain=domain, to_customer=new, on=date(2025, 6, 1))
    # then the ownerships change on that day
    domain.refresh_from_db()
    assert domain.customer == new
    assert ownerships(domain) == [
        ("K10001", date(2025, 1, 1), date(2025, 5, 31)),
        ("K10002", date(2025, 6, 1), None),
    ]
    # and the old contract ends the day before, the new one starts that day
    old_contract.refresh_from_db()
    assert old_contract.end == date(2025, 5, 31)
    assert result.old_contracts == [(old_contract, "ended")]
    assert contract_summary(result.new_contract) == (
        "K10002",
        "Domain .de",
        "domain",
        date(2025, 6, 1),
        None,
        Decimal("12.00"),
        "year",
        "year",
        "advance",
        ["shop.de"],
    )


def test_move_after_billing_in_advance_does_not_refund_and_bills_no_day_twice(prices, customers):
    # given a domain contract from 2025-01-01, billed in advance for 2025 by a billing run
    old, new = customers
    domain = domain_create(
        actor=None, customer=old, data=DomainData(name="shop.de"), on=date(2025, 1, 1)
    )
    billing_run_execute(run=billing_run_create(actor=None, run_date=date(2025, 1, 1)))
    assert list(
        InvoiceLine.objects.filter(contract__domains=domain).values_list(
            "period_start", "period_end", "net"
        )
    ) == [(date(2025, 1, 1), date(2025, 12, 31), Decimal("12.00"))]
    old_contract = domain.contracts.get()
    # when the domain moves on 2025-06-01
    result = domain_move(actor=None, domain=domain, to_customer=new, on=date(2025, 6, 1))
    # then the ownership changes on 2025-06-01
    assert ownerships(domain) == [
        ("K10001", date(2025, 1, 1), date(2025, 5, 31)),
        ("K10002", date(2025, 6, 1), None),
    ]
    # but the paid year runs out for the old customer (no refund) ...
    old_contract.refresh_from_db()
    assert old_contract.end == date(2025, 12, 31)
    # ... and the new customer's contract starts the day after
    assert result.new_contract.start == date(2026, 1, 1)
    assert result.new_contract.customer == new


def test_move_takes_the_domain_out_of_a_bundle_without_ending_it(prices, customers):
    # given a server contract that includes two domains
    old, new = customers
    server = make_contract(old, "V-000001", start=date(2024, 1, 1))
    domain = domain_create(
        actor=None, customer=old, data=DomainData(name="a.de"), on=date(2024, 1, 1), contract=server
    )
    domain_create(
        actor=None, customer=old, data=DomainData(name="b.de"), on=date(2024, 1, 1), contract=server
    )
    # when one of them moves
    result = domain_move(actor=None, domain=domain, to_customer=new, on=date(2025, 3, 1))
    # then the server contract runs on without it, and the new customer gets a contract
    server.refresh_from_db()
    assert server.end is None
    assert sorted(server.domains.values_list("name", flat=True)) == ["b.de"]
    assert result.old_contracts == [(server, "detached")]
    assert result.new_contract.start == date(2025, 3, 1)


def test_move_checks_its_input_and_changes_nothing_on_error(prices, customers):
    old, new = customers
    domain = domain_create(
        actor=None, customer=old, data=DomainData(name="shop.de"), on=date(2025, 1, 1)
    )
    with pytest.raises(FieldErrors) as same:
        domain_move(actor=None, domain=domain, to_customer=old, on=date(2025, 6, 1))
    with pytest.raises(FieldErrors) as early:
        domain_move(actor=None, domain=domain, to_customer=new, on=date(2025, 1, 1))
    assert list(same.value.errors) == ["to_customer"]
    assert list(early.value.errors) == ["on"]
    assert ownerships(domain) == [("K10001", date(2025, 1, 1), None)]
    assert DomainOwnership.objects.count() == 1
    assert Contract.objects.filter(end__isnull=False).count() == 0


def test_price_list_entries_are_validated(customers):
    with pytest.raises(FieldErrors) as excinfo:
        tld_price_save(
            actor=None,
            values={
                "tld": "..",
                "sale_price_year": Decimal("-1"),
                "cost_year": Decimal("1.005"),
                "valid_from": None,
            },
        )
    assert sorted(excinfo.value.errors) == ["cost_year", "sale_price_year", "tld", "valid_from"]
    price = tld_price_save(
        actor=None,
        values={
            "tld": ".DE",
            "registrar": "Joker",
            "sale_price_year": Decimal("12"),
            "cost_year": Decimal("4.5"),
            "valid_from": date(2026, 1, 1),
        },
    )
    assert (price.tld, price.registrar, price.margin) == ("de", "joker", Decimal("7.5"))
