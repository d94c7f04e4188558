"""Country and VAT id decide the tax treatment: only Billing changes them, and the audit trail
says who did (issue 9)."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from hostkontor.core.errors import FieldErrors
from hostkontor.core.models import AuditEvent
from hostkontor.testing.users import make_user

from .models import Customer
from .services import CustomerData, customer_create, customer_update

pytestmark = pytest.mark.django_db

DENIED = "Nur die Buchhaltung darf Land oder USt-IdNr. ändern (sie bestimmen die Besteuerung)."


@pytest.fixture
def customer():
    return customer_create(
        actor=None,
        data=CustomerData(company="Bäckerei Müller GmbH", city="Osnabrück", email="a@example.com"),
    )


def _post_data(customer: Customer, **changes) -> dict:
    values = {
        "company": customer.company,
        "street": customer.street,
        "zip_code": customer.zip_code,
        "city": customer.city,
        "country": customer.country.code,
        "vat_id": customer.vat_id,
        "email": customer.email,
        "payment_terms_days": customer.payment_terms_days,
        "language": customer.language,
        "is_active": "on",
    }
    values.update(changes)
    return values


def _disabled(html: str, name: str) -> bool:
    """Whether the form's input or select of that name carries the disabled attribute."""
    tag = re.search(rf'<(?:input|select)[^>]*\bname="{name}"[^>]*>', html).group(0)
    return re.search(r"\sdisabled[\s>=]", tag) is not None


def test_support_cannot_switch_a_customer_to_reverse_charge(client, customer):
    # given a Support user on a domestic customer's edit form
    client.force_login(make_user("support", role="Support"))
    url = reverse("customers:edit", args=[customer.pk])
    html = client.get(url).content.decode()
    # when they post Austria and an Austrian VAT id
    response = client.post(url, _post_data(customer, country="AT", vat_id="ATU13585627"))
    # then both fields are shown disabled, the post is refused on them and nothing changes
    assert (_disabled(html, "country"), _disabled(html, "vat_id"), _disabled(html, "city")) == (
        True,
        True,
        False,
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"country": [DENIED], "vat_id": [DENIED]}
    customer.refresh_from_db()
    assert (customer.country.code, customer.vat_id, customer.tax_treatment) == (
        "DE",
        "",
        "domestic",
    )
    assert not AuditEvent.objects.filter(action="customer.updated").exists()


def test_support_still_edits_the_other_fields(client, customer):
    # given a Support user whose browser does not send the disabled tax fields
    client.force_login(make_user("support", role="Support"))
    data = _post_data(customer, city="Melle")
    del data["country"], data["vat_id"]
    # when they save
    response = client.post(reverse("customers:edit", args=[customer.pk]), data)
    # then the city changes and the tax details stay
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.city, customer.country.code, customer.tax_treatment) == (
        "Melle",
        "DE",
        "domestic",
    )


def test_billing_switches_to_reverse_charge_and_the_audit_says_who(client, customer, billing_user):
    # given a Billing user
    client.force_login(billing_user)
    # when they set Austria and a valid Austrian VAT id
    response = client.post(
        reverse("customers:edit", args=[customer.pk]),
        _post_data(customer, country="AT", vat_id="ATU 135 856 27"),
    )
    # then the customer is reverse charge and the change is audited with before and after
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.country.code, customer.vat_id, customer.tax_treatment) == (
        "AT",
        "ATU13585627",
        "eu_reverse_charge",
    )
    event = AuditEvent.objects.get(action="customer.updated")
    assert event.actor == billing_user
    assert event.changes == {
        "country": ["DE", "AT"],
        "vat_id": ["", "ATU13585627"],
        "tax_treatment": ["domestic", "eu_reverse_charge"],
    }


def test_billing_gets_the_vat_id_checked_per_country(client, customer, billing_user):
    client.force_login(billing_user)
    response = client.post(
        reverse("customers:edit", args=[customer.pk]),
        _post_data(customer, country="AT", vat_id="ATU12345678"),
    )
    assert list(response.context["form"].errors) == ["vat_id"]
    customer.refresh_from_db()
    assert customer.country.code == "DE"


def test_a_creator_without_the_tax_permission_creates_domestic_customers(client):
    # given a user who may add customers but holds no tax permission (a custom role)
    user = make_user("vertrieb", role="Support")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="customers", codename="add_customer")
    )
    client.force_login(user)
    # when they create one as the browser sends it (disabled fields left out), then one abroad
    plain = client.post(
        reverse("customers:create"),
        {"company": "Neu GmbH", "payment_terms_days": 14, "language": "de"},
    )
    abroad = client.post(
        reverse("customers:create"),
        {"company": "Wien GmbH", "payment_terms_days": 14, "language": "de", "country": "AT"},
    )
    # then the first is domestic, the second is refused on the country
    assert plain.status_code == 302
    assert abroad.context["form"].errors == {"country": [DENIED]}
    assert list(Customer.objects.values_list("company", "country", "tax_treatment")) == [
        ("Neu GmbH", "DE", "domestic")
    ]


def test_the_service_checks_the_actor_whoever_calls_it(customer):
    # given Support, and the operator on the command line (no actor)
    support = make_user("support", role="Support")
    abroad = CustomerData(company=customer.company, country="AT", vat_id="ATU13585627")
    # when each changes the tax details through the service
    with pytest.raises(FieldErrors) as refused:
        customer_update(actor=support, customer=customer, data=abroad)
    customer_update(actor=None, customer=customer, data=abroad)
    # then Support is refused naming both fields, the operator may
    assert refused.value.errors == {"country": DENIED, "vat_id": DENIED}
    customer.refresh_from_db()
    assert customer.tax_treatment == "eu_reverse_charge"
