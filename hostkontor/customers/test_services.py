import pytest
from django.utils import translation

from hostkontor.core.errors import FieldErrors
from hostkontor.core.models import AuditEvent

from .models import Customer
from .services import (
    CustomerData,
    contact_save,
    customer_create,
    customer_update,
)

pytestmark = pytest.mark.django_db


def test_create_assigns_the_next_number_of_the_pattern_and_audits(admin_user, settings):
    # given the pattern K{00000} starting at 10001
    settings.CUSTOMER_NUMBER_PATTERN, settings.CUSTOMER_NUMBER_START = "K{00000}", 10001
    # when two customers are created
    first = customer_create(
        actor=admin_user, data=CustomerData(company="Erste GmbH", city="Hilter")
    )
    second = customer_create(actor=admin_user, data=CustomerData(company="Zweite GmbH"))
    # then they get consecutive numbers and a creation event each
    assert (first.number, second.number) == ("K10001", "K10002")
    event = AuditEvent.objects.get(action="customer.created", object_id=str(first.pk))
    assert (event.actor_name, event.customer_id) == ("chef", first.pk)
    assert event.changes["company"] == ["", "Erste GmbH"]


def test_numbers_taken_by_an_import_are_skipped(admin_user, settings):
    settings.CUSTOMER_NUMBER_PATTERN, settings.CUSTOMER_NUMBER_START = "K{00000}", 10001
    customer_create(actor=None, data=CustomerData(company="Import AG"), number="K10001")
    created = customer_create(actor=admin_user, data=CustomerData(company="Neu GmbH"))
    assert created.number == "K10002"


def test_update_records_only_changed_fields_with_old_and_new_values(admin_user):
    customer = customer_create(
        actor=admin_user, data=CustomerData(company="Alt GmbH", city="Melle")
    )
    # when the city changes
    customer_update(
        actor=admin_user, customer=customer, data=CustomerData(company="Alt GmbH", city="Hilter")
    )
    # then the history holds exactly that change
    event = AuditEvent.objects.get(action="customer.updated")
    assert event.changes == {"city": ["Melle", "Hilter"]}


def test_update_without_changes_writes_no_event(admin_user):
    customer = customer_create(actor=admin_user, data=CustomerData(company="Gleich GmbH"))
    customer_update(actor=admin_user, customer=customer, data=CustomerData(company="Gleich GmbH"))
    assert AuditEvent.objects.filter(action="customer.updated").count() == 0


def test_eu_vat_id_makes_reverse_charge_and_invalid_id_is_refused(admin_user):
    customer = customer_create(
        actor=admin_user, data=CustomerData(company="Wien GmbH", country="AT", vat_id="U13585627")
    )
    assert (customer.vat_id, customer.tax_treatment) == ("ATU13585627", "eu_reverse_charge")
    with pytest.raises(FieldErrors) as raised:
        customer_create(
            actor=admin_user, data=CustomerData(company="X", country="AT", vat_id="U13585628")
        )
    assert set(raised.value.errors) == {"vat_id"}
    assert Customer.objects.count() == 1


def test_contact_roles_and_history(admin_user):
    customer = customer_create(actor=admin_user, data=CustomerData(company="Kontakt GmbH"))
    contact = contact_save(
        actor=admin_user,
        customer=customer,
        values={
            "first_name": "Anke",
            "last_name": "Meyer",
            "email": "a@example.com",
            "is_billing": True,
        },
    )
    with translation.override("en"):
        assert [str(label) for label in contact.role_labels] == ["billing"]
    event = AuditEvent.objects.get(action="contact.created")
    assert (event.customer_id, event.changes["last_name"]) == (customer.pk, ["", "Meyer"])
