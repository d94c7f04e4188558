from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from hostkontor.billing.models import InvoiceLine, OneOffItem
from hostkontor.core.errors import FieldErrors
from hostkontor.core.models import AuditEvent
from hostkontor.domains.models import Domain

from .conftest import bill, contract_data, make_contract
from .models import Contract, ContractType, PriceChange
from .one_off_items import one_off_item_add, one_off_item_delete
from .services import (
    contract_create,
    contract_end,
    contract_price_change_add,
    contract_type_create,
    contract_type_update,
    contract_update,
    contract_update_changes,
)

pytestmark = pytest.mark.django_db


def test_create_assigns_references_links_domains_and_audits(customer, server_type, admin_user):
    # when two contracts are created without a reference, one with a domain
    first = contract_create(
        actor=admin_user,
        customer=customer,
        data=contract_data(server_type, domain_names=["DMMD.de", "dmmd.de "]),
    )
    second = make_contract(customer, server_type, description="")
    # then they get consecutive numbers and the domain row belongs to the customer
    assert (first.reference, second.reference) == ("V-000001", "V-000002")
    assert list(first.domains.values_list("name", "customer_id")) == [("dmmd.de", customer.pk)]
    event = AuditEvent.objects.get(action="contract.created", object_id=str(first.pk))
    assert (event.actor_id, event.customer_id) == (admin_user.pk, customer.pk)
    assert event.changes == {
        "reference": ["", "V-000001"],
        "contract_type": ["", "Domain Server Standard"],
        "description": ["", "inkl. Domain dmmd.de"],
        "start": ["", "2003-01-20"],
        "end": ["", "2004-01-21"],
        "setup_fee": ["", "39.00"],
        "fee": ["", "19.00"],
        "fee_unit": ["", "month"],
        "interval": ["", "quarter"],
        "mode": ["", "advance"],
        "alignment": ["", "anniversary"],
        "min_term_months": ["", "0"],
        "quantity": ["", "1.000"],
        "tax_rate": ["", "19.00"],
        "domains": ["", "dmmd.de"],
    }


def test_an_end_inside_the_minimum_term_is_refused_naming_the_earliest_end(customer, server_type):
    data = contract_data(server_type, start=date(2026, 1, 15), end=date(2026, 6, 30))
    data.min_term_months = 12
    # when saved in German and in English
    with translation.override("de"), pytest.raises(FieldErrors) as german:
        contract_create(actor=None, customer=customer, data=data)
    with translation.override("en"), pytest.raises(FieldErrors) as english:
        contract_create(actor=None, customer=customer, data=data)
    # then the message names the earliest allowed end (start + 12 months - 1 day)
    assert german.value.errors == {
        "end": "Die Mindestlaufzeit beträgt 12 Monate. Frühestes zulässiges Ende: 14.01.2027."
    }
    assert english.value.errors == {
        "end": "The minimum term is 12 months. Earliest allowed end: 2027-01-14."
    }
    assert Contract.objects.count() == 0
    # and the earliest end itself is accepted
    data.end = date(2027, 1, 14)
    assert contract_create(actor=None, customer=customer, data=data).end == date(2027, 1, 14)


def test_invalid_terms_are_reported_per_field_and_nothing_is_saved(customer, server_type):
    data = contract_data(
        server_type,
        end=date(2002, 12, 31),
        fee=Decimal("-1"),
        quantity=Decimal("0"),
        tax_rate=Decimal("119"),
        interval="week",
        billed_until=date(2002, 1, 1),
    )
    with translation.override("en"), pytest.raises(FieldErrors) as error:
        contract_create(actor=None, customer=customer, data=data)
    assert error.value.errors == {
        "fee": "must not be less than 0",
        "quantity": "must be greater than 0",
        "tax_rate": "must not be more than 100",
        "interval": "'week' is not one of month, quarter, half_year, year, two_years",
    }
    data.fee, data.quantity, data.tax_rate, data.interval = Decimal("1"), 1, Decimal("19"), "year"
    data.quantity = Decimal("1")
    with translation.override("en"), pytest.raises(FieldErrors) as error:
        contract_create(actor=None, customer=customer, data=data)
    assert error.value.errors == {
        "end": "The end cannot be before the start. Earliest allowed end: 2003-01-20.",
        "billed_until": "cannot be before the start 2003-01-20",
    }
    assert (
        Contract.objects.count(),
        AuditEvent.objects.filter(action__startswith="contract.").count(),
    ) == (0, 0)


def test_a_domain_of_another_customer_is_refused(customer, other_customer, server_type):
    Domain.objects.create(name="andere.de", customer=other_customer)
    with translation.override("en"), pytest.raises(FieldErrors) as error:
        make_contract(customer, server_type, domain_names=["andere.de", "neu.de"])
    assert error.value.errors == {
        "domain_names": f"andere.de belongs to customer {other_customer.number}"
    }
    assert not Domain.objects.filter(name="neu.de").exists()
    with translation.override("en"), pytest.raises(FieldErrors) as error:
        make_contract(customer, server_type, domain_names=["neu.de", "kein domainname"])
    assert error.value.errors == {"domain_names": "kein domainname is not a domain name"}


def test_update_audits_only_changes_and_a_no_op_writes_nothing(customer, server_type):
    contract = make_contract(customer, server_type)
    data = contract_data(server_type, description="neu", reference=contract.reference)
    data.domain_names = ["dmmd.de"]
    contract, changes = contract_update_changes(actor=None, contract=contract, data=data)
    assert changes == {"description": ["inkl. Domain dmmd.de", "neu"], "domains": ["", "dmmd.de"]}
    # when the same data is saved again (numbers typed without decimals)
    again = contract_data(
        server_type, description="neu", fee=Decimal("19"), domain_names=["dmmd.de"]
    )
    _contract, changes = contract_update_changes(actor=None, contract=contract, data=again)
    assert changes == {}
    assert AuditEvent.objects.filter(action="contract.updated").count() == 1


def test_billed_contracts_refuse_changes_to_their_period_grid_and_fee(customer, server_type):
    contract = make_contract(customer, server_type)
    bill(contract, [("period", date(2003, 1, 20), date(2003, 4, 19), "57.00")])
    data = contract_data(
        server_type,
        start=date(2003, 2, 1),
        fee=Decimal("25.00"),
        interval="month",
        description="Neue Beschreibung",
    )
    with translation.override("en"), pytest.raises(FieldErrors) as error:
        contract_update(actor=None, contract=contract, data=data)
    locked = (
        "cannot change: periods of this contract are billed already "
        "(the billed invoice lines would no longer match)."
    )
    assert error.value.errors == {
        "start": locked,
        "fee": "cannot change: periods of this contract are billed already. "
        "Add a price change from a date instead.",
        "interval": locked,
    }
    # the description alone may change
    data = contract_data(server_type, description="Neue Beschreibung")
    assert (
        contract_update(actor=None, contract=contract, data=data).description == "Neue Beschreibung"
    )


def test_a_cancelled_invoice_line_does_not_lock_the_contract(customer, server_type):
    contract = make_contract(customer, server_type)
    bill(contract, [("period", date(2003, 1, 20), date(2003, 4, 19), "57.00")], bills=False)
    data = contract_data(server_type, fee=Decimal("25.00"))
    assert contract_update(actor=None, contract=contract, data=data).fee == Decimal("25.00")


def test_notice_respects_the_minimum_term_and_is_audited(customer, server_type, admin_user):
    contract = make_contract(
        customer, server_type, start=date(2026, 3, 31), end=None, min_term_months=24
    )
    with translation.override("de"), pytest.raises(FieldErrors) as error:
        contract_end(
            actor=admin_user,
            contract=contract,
            end=date(2027, 12, 31),
            notice_date=date(2026, 11, 2),
        )
    assert error.value.errors == {
        "end": "Die Mindestlaufzeit beträgt 24 Monate. Frühestes zulässiges Ende: 30.03.2028."
    }
    contract_end(
        actor=admin_user, contract=contract, end=date(2028, 3, 30), notice_date=date(2026, 11, 2)
    )
    contract.refresh_from_db()
    assert (contract.end, contract.cancelled_on) == (date(2028, 3, 30), date(2026, 11, 2))
    event = AuditEvent.objects.get(action="contract.ended")
    assert (event.customer_id, event.changes) == (
        customer.pk,
        {"end": ["", "2028-03-30"], "cancelled_on": ["", "2026-11-02"]},
    )


def test_price_changes_only_for_days_not_billed_yet(customer, server_type):
    contract = make_contract(customer, server_type, end=None, billed_until=date(2003, 4, 19))
    bill(contract, [("period", date(2003, 4, 20), date(2003, 7, 19), "57.00")])
    # billed until 19.07.2003 (import cut-off plus one billed quarter)
    with translation.override("en"), pytest.raises(FieldErrors) as error:
        contract_price_change_add(
            actor=None, contract=contract, valid_from=date(2003, 7, 19), fee=Decimal("21.00")
        )
    assert error.value.errors == {
        "valid_from": "must be after 2003-07-19: the contract is billed up to that day"
    }
    change = contract_price_change_add(
        actor=None, contract=contract, valid_from=date(2003, 7, 20), fee=Decimal("21")
    )
    assert (change.valid_from, change.fee) == (date(2003, 7, 20), Decimal("21.00"))
    with translation.override("en"), pytest.raises(FieldErrors) as error:
        contract_price_change_add(
            actor=None, contract=contract, valid_from=date(2003, 7, 20), fee=Decimal("22")
        )
    assert error.value.errors == {"valid_from": "there is a price change on 2003-07-20 already"}
    event = AuditEvent.objects.get(action="contract.price_change_added")
    assert (event.customer_id, event.changes) == (
        customer.pk,
        {"price_change": ["", "2003-07-20: 21.00"]},
    )
    assert PriceChange.objects.count() == 1


def test_contract_type_names_are_unique_ignoring_case(server_type):
    with translation.override("en"), pytest.raises(FieldErrors) as error:
        contract_type_create(actor=None, data={"name": " domain server standard "})
    assert error.value.errors == {"name": "a contract type domain server standard exists"}
    updated = contract_type_update(
        actor=None,
        contract_type=server_type,
        data={"name": "Server S", "default_fee": Decimal("20")},
    )
    assert (updated.name, updated.default_fee) == ("Server S", Decimal("20.00"))
    event = AuditEvent.objects.get(action="contract_type.updated")
    assert event.changes == {
        "name": ["Domain Server Standard", "Server S"],
        "default_fee": ["19.00", "20.00"],
    }
    assert ContractType.objects.count() == 1


def test_one_off_items_are_deleted_only_while_no_invoice_holds_them(
    customer, other_customer, server_type
):
    contract = make_contract(customer, server_type)
    item = one_off_item_add(
        actor=None,
        customer=customer,
        description="Festplatte 2 TB",
        service_date=date(2026, 11, 12),
        quantity=Decimal("2"),
        unit_price=Decimal("89.00"),
        tax_rate=Decimal("19.00"),
        contract=contract,
    )
    other = make_contract(other_customer, server_type)
    with translation.override("en"), pytest.raises(FieldErrors) as error:
        one_off_item_add(
            actor=None,
            customer=customer,
            description=" ",
            service_date=date(2026, 11, 12),
            quantity=Decimal("0"),
            unit_price=Decimal("1.234"),
            tax_rate=Decimal("19"),
            contract=other,
        )
    assert error.value.errors == {
        "description": "is required",
        "quantity": "must be greater than 0",
        "unit_price": "has more than 2 decimal places",
        "contract": "the contract belongs to another customer",
    }
    # when an invoice bills the item, it cannot be deleted
    invoice = bill(contract, [])
    InvoiceLine.objects.create(
        invoice=invoice,
        position=1,
        kind="item",
        one_off_item=item,
        description="x",
        quantity=Decimal("2"),
        net=Decimal("178.00"),
        tax_rate=Decimal("19.00"),
    )
    with translation.override("en"), pytest.raises(FieldErrors) as error:
        one_off_item_delete(actor=None, item=item)
    assert error.value.errors == {"item": "It is billed already and cannot be deleted."}
    # a fresh item is deleted and audited
    fresh = one_off_item_add(
        actor=None,
        customer=customer,
        description="Stunde Support",
        service_date=date(2026, 11, 13),
        quantity=Decimal("1"),
        unit_price=Decimal("85"),
        tax_rate=Decimal("19"),
    )
    one_off_item_delete(actor=None, item=fresh)
    assert list(OneOffItem.objects.values_list("description", flat=True)) == ["Festplatte 2 TB"]
    assert list(
        AuditEvent.objects.filter(action__startswith="one_off_item.").values_list(
            "action", "customer_id"
        )
    ) == [
        ("one_off_item.deleted", customer.pk),
        ("one_off_item.created", customer.pk),
        ("one_off_item.created", customer.pk),
    ]
