"""One-off items are money: only Billing (and Admin) adds them; credits and large items need
the approval permission, checked in the service (issue 9)."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from hostkontor.billing.models import OneOffItem
from hostkontor.core.errors import FieldErrors
from hostkontor.testing.users import make_user

from .one_off_items import one_off_item_add, one_off_item_delete

pytestmark = pytest.mark.django_db


def _item(unit_price: str, quantity: str = "1") -> dict:
    return {
        "description": "Gutschrift Ausfall",
        "service_date": "12.11.2026",
        "quantity": quantity,
        "unit_price": unit_price,
        "tax_rate": "19,00",
    }


def _clerk():
    """A user who may add items but holds no approval (a custom group, not a shipped role)."""
    user = make_user("sachbearbeiter", role=None)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="billing", codename__in=["view_oneoffitem", "add_oneoffitem"]
        )
    )
    return user


@pytest.mark.parametrize("role", ["Support", "Technician"])
def test_support_and_technician_see_items_but_cannot_add_or_delete_them(client, customer, role):
    # given a Support or Technician user and an existing item
    existing = one_off_item_add(
        actor=None,
        customer=customer,
        description="Einrichtung",
        service_date=date(2026, 11, 12),
        quantity=Decimal("1"),
        unit_price=Decimal("85.00"),
        tax_rate=Decimal("19.00"),
    )
    client.force_login(make_user("kollege", role=role))
    url = reverse("contracts:items", args=[customer.pk])
    # when they open the items page, post the −4,999.00 credit and try to delete the item
    page = client.get(url)
    posted = client.post(url, _item("-4.999,00"))
    deleted = client.post(reverse("contracts:item_delete", args=[existing.pk]))
    # then they see the list without the form, and both writes are refused
    assert page.status_code == 200
    assert 'data-testid="item-form"' not in page.content.decode()
    assert (posted.status_code, deleted.status_code) == (403, 403)
    assert list(OneOffItem.objects.values_list("description", flat=True)) == ["Einrichtung"]


def test_billing_adds_a_credit_and_a_large_item(client, customer, billing_user):
    # given a Billing user
    client.force_login(billing_user)
    url = reverse("contracts:items", args=[customer.pk])
    # when they add a −4,999.00 credit and a 2 × 750.00 item
    credit = client.post(url, _item("-4.999,00"))
    large = client.post(url, _item("750,00", quantity="2"))
    # then both are saved
    assert (credit.status_code, large.status_code) == (302, 302)
    assert sorted(OneOffItem.objects.values_list("unit_price", flat=True)) == [
        Decimal("-4999.00"),
        Decimal("750.00"),
    ]


def test_without_approval_credits_and_items_above_the_limit_are_refused_on_the_form(
    client, customer
):
    # given a user who may add items but not approve them, and the default limit 1,000.00
    client.force_login(_clerk())
    url = reverse("contracts:items", args=[customer.pk])
    # when they post a credit, an item of 2 × 500.01 and one of exactly 1,000.00
    credit = client.post(url, _item("-10,00"))
    large = client.post(url, _item("500,01", quantity="2"))
    at_limit = client.post(url, _item("1.000,00"))
    # then the first two are refused with the reason on the price field, the third is saved
    assert (credit.status_code, large.status_code, at_limit.status_code) == (400, 400, 302)
    assert credit.context["form"].errors == {
        "unit_price": ["Gutschriften (negative Posten) brauchen die Freigabe der Buchhaltung."]
    }
    assert large.context["form"].errors == {
        "unit_price": ["Posten über 1.000,00 EUR netto brauchen die Freigabe der Buchhaltung."]
    }
    assert list(OneOffItem.objects.values_list("unit_price", flat=True)) == [Decimal("1000.00")]
    # and the form says so before they try
    assert "Gutschriften und Posten über 1.000,00 EUR netto" in client.get(url).content.decode()


def test_the_service_checks_the_actor_whoever_calls_it(customer, settings):
    # given a configured limit of 50.00 and actors with and without the permissions
    settings.ITEM_APPROVAL_LIMIT = "50.00"
    clerk, support = _clerk(), make_user("support", role="Support")
    values = {
        "customer": customer,
        "description": "Stunde Support",
        "service_date": date(2026, 11, 13),
        "quantity": Decimal("1"),
        "tax_rate": Decimal("19.00"),
    }
    # when each adds an item of 85.00 (above the limit)
    with pytest.raises(PermissionDenied):
        one_off_item_add(actor=support, unit_price=Decimal("85.00"), **values)
    with pytest.raises(FieldErrors) as refused:
        one_off_item_add(actor=clerk, unit_price=Decimal("85.00"), **values)
    by_operator = one_off_item_add(actor=None, unit_price=Decimal("85.00"), **values)
    # then Support may not add at all, the clerk needs approval, the command line may
    assert list(refused.value.errors) == ["unit_price"]
    assert OneOffItem.objects.get().pk == by_operator.pk
    with pytest.raises(PermissionDenied):
        one_off_item_delete(actor=support, item=by_operator)


@pytest.mark.parametrize("limit", ["tausend", "-1", "NaN"])
def test_a_limit_that_is_no_amount_stops_the_start(settings, limit):
    settings.ITEM_APPROVAL_LIMIT = limit
    with pytest.raises(SystemCheckError) as error:
        call_command("check")
    assert f"(contracts.E001) HOSTKONTOR_ITEM_APPROVAL_LIMIT={limit!r} is not an amount" in str(
        error.value
    )
