"""Business or consumer (issue 10): a tax detail only Billing changes; a consumer outside the
EU pays German VAT on services."""

import pytest
from django.urls import reverse

from hostkontor.core.models import AuditEvent
from hostkontor.testing.users import make_user

from .services import CustomerData, customer_create
from .test_tax_permissions import DENIED, _post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    return customer_create(
        actor=None,
        data=CustomerData(company="Jane Doe", city="Boston", country="US", email="j@example.com"),
    )


def test_a_new_customer_is_a_business_by_default(customer):
    assert (customer.is_business, customer.tax_treatment) == (True, "non_eu")


def test_billing_marks_a_customer_as_consumer_and_the_treatment_follows(
    client, customer, billing_user
):
    # given a Billing user on the edit form of a US customer
    client.force_login(billing_user)
    # when they choose "consumer"
    response = client.post(
        reverse("customers:edit", args=[customer.pk]), _post_data(customer, is_business="False")
    )
    # then the customer is a consumer taxed in Germany for services, and it is audited
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.is_business, customer.tax_treatment) == (False, "non_eu_consumer")
    event = AuditEvent.objects.get(action="customer.updated")
    assert event.changes == {
        "is_business": ["True", "False"],
        "tax_treatment": ["non_eu", "non_eu_consumer"],
    }


def test_support_cannot_make_a_business_a_consumer(client, customer):
    # given a Support user (no tax permission)
    client.force_login(make_user("support", role="Support"))
    # when they post "consumer"
    response = client.post(
        reverse("customers:edit", args=[customer.pk]), _post_data(customer, is_business="False")
    )
    # then the post is refused on that field and nothing changes
    assert response.status_code == 200
    assert response.context["form"].errors == {"is_business": [DENIED]}
    customer.refresh_from_db()
    assert (customer.is_business, customer.tax_treatment) == (True, "non_eu")
