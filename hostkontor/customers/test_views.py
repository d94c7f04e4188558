import pytest
from django.urls import reverse

from hostkontor.core.models import AuditEvent
from hostkontor.testing.queries import count_queries

from .models import Customer
from .services import CustomerData, contact_save, customer_create

pytestmark = pytest.mark.django_db


def make_customers(count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        customer = customer_create(
            actor=None,
            data=CustomerData(company=f"Firma {i:03d} GmbH", city="Hilter" if i % 2 else "Melle"),
        )
        contact_save(
            actor=None, customer=customer, values={"last_name": f"Kontakt{i}", "is_billing": True}
        )


def test_login_is_required_everywhere(client):
    response = client.get(reverse("customers:list"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/customers/"
    assert client.get(reverse("core:healthz")).status_code == 200


def test_list_runs_a_fixed_number_of_queries_whatever_the_row_count(admin_client):
    # given 3 customers, then 60 (more than a page)
    make_customers(3)
    few = count_queries(admin_client, reverse("customers:list") + "?q=Firma&sort=-city")
    make_customers(57, start=3)
    many = count_queries(admin_client, reverse("customers:list") + "?q=Firma&sort=-city")
    # then the page costs the same number of queries
    assert few == many


def test_detail_runs_a_fixed_number_of_queries_whatever_it_holds(admin_client):
    make_customers(1)
    customer = Customer.objects.get()
    few = count_queries(admin_client, reverse("customers:detail", args=[customer.pk]))
    for i in range(20):
        contact_save(actor=None, customer=customer, values={"last_name": f"Mehr{i}"})
    many = count_queries(admin_client, reverse("customers:detail", args=[customer.pk]))
    assert few == many


def test_search_filter_sort_and_pagination(admin_client):
    make_customers(60)
    customer_create(actor=None, data=CustomerData(company="Wiener Schnitzel GmbH", country="AT"))
    # search finds by contact name too
    response = admin_client.get(reverse("customers:list"), {"q": "Kontakt7"})
    assert [c.company for c in response.context["page"]] == ["Firma 007 GmbH"]
    # filter by country
    response = admin_client.get(reverse("customers:list"), {"country": "AT"})
    assert [c.company for c in response.context["page"]] == ["Wiener Schnitzel GmbH"]
    # sort descending by company, 50 per page
    response = admin_client.get(reverse("customers:list"), {"sort": "-company"})
    page = response.context["page"]
    assert (page.paginator.count, len(page.object_list), page.object_list[0].company) == (
        61,
        50,
        "Wiener Schnitzel GmbH",
    )
    response = admin_client.get(reverse("customers:list"), {"sort": "-company", "page": 2})
    assert response.context["page"].object_list[-1].company == "Firma 000 GmbH"


def test_htmx_request_gets_only_the_table(admin_client):
    make_customers(2)
    response = admin_client.get(
        reverse("customers:list"), {"q": "Kontakt1"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert 'data-testid="main-nav"' not in html
    assert "Firma 001 GmbH" in html and "Firma 000 GmbH" not in html


def test_create_and_edit_through_the_forms_with_history(admin_client):
    response = admin_client.post(
        reverse("customers:create"),
        {
            "company": "Form GmbH",
            "country": "DE",
            "payment_terms_days": 14,
            "language": "de",
            "is_active": "on",
        },
    )
    customer = Customer.objects.get(company="Form GmbH")
    assert response["Location"] == reverse("customers:detail", args=[customer.pk])
    admin_client.post(
        reverse("customers:edit", args=[customer.pk]),
        {
            "company": "Form GmbH",
            "city": "Hilter",
            "country": "DE",
            "payment_terms_days": 30,
            "language": "en",
        },
    )
    event = AuditEvent.objects.get(action="customer.updated")
    assert event.changes == {
        "city": ["", "Hilter"],
        "payment_terms_days": ["14", "30"],
        "language": ["de", "en"],
        "is_active": ["True", "False"],
    }
    page = admin_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    # and the history says it in German: field labels, choice labels, yes/no
    assert "Firma: geändert" in page
    assert "<strong>Zahlungsziel (Tage)</strong>: 14 → 30" in page
    assert "<strong>Sprache</strong>: Deutsch → English" in page
    assert "<strong>Aktiv</strong>: ja → nein" in page


def test_invalid_vat_id_is_shown_on_the_field(admin_client):
    response = admin_client.post(
        reverse("customers:create"),
        {
            "company": "X",
            "country": "DE",
            "vat_id": "DE123",
            "payment_terms_days": 14,
            "language": "de",
        },
    )
    assert response.status_code == 200
    assert "vat_id" in response.context["form"].errors
    assert Customer.objects.count() == 0


def test_technician_may_read_but_not_create(client, technician_user):
    client.force_login(technician_user)
    assert client.get(reverse("customers:list")).status_code == 200
    assert client.get(reverse("customers:create")).status_code == 403
