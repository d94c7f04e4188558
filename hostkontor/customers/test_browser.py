"""The customer workflow in a real Chromium: login, create, filter, switch language."""

import re

import pytest

from hostkontor.testing.users import PASSWORD

from .models import Customer
from .services import CustomerData, customer_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username: str) -> None:
    page.goto("/")
    page.get_by_label("Benutzername").fill(username)
    page.get_by_label("Passwort").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def test_login_create_customer_filter_and_switch_language(page, admin_user):
    # given a few customers and a signed-in admin
    customer_create(actor=None, data=CustomerData(company="Melle Metall GmbH", city="Melle"))
    customer_create(actor=None, data=CustomerData(company="Osnabrück Obst AG", city="Osnabrück"))
    login(page, "chef")
    assert page.get_by_test_id("current-user").inner_text() == "Aktueller User: Chef"
    assert page.get_by_test_id("main-nav").inner_text().split() == ["Suchen", "ISP", "Inkasso"]

    # when a customer is created through the form
    page.get_by_test_id("customer-new").click()
    page.get_by_label("Firma").fill("dmmd GmbH & Co. KG internet & network services")
    page.get_by_label("Ort").fill("Hilter")
    page.get_by_label("USt-IdNr.").fill("DE136695976")
    page.get_by_role("button", name="Speichern").click()
    # then its hub shows it with a number and the creation in its history
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    assert (
        page.get_by_test_id("customer-title").inner_text()
        == "dmmd GmbH & Co. KG internet & network services"
    )
    assert "Firma: angelegt" in page.get_by_test_id("history").inner_text()
    assert Customer.objects.get(city="Hilter").tax_treatment == "domestic"

    # when the list is filtered live by typing
    page.goto("/customers/")
    assert page.get_by_test_id("customer-count").inner_text() == "3 Firmen"
    page.get_by_placeholder("Nummer, Firma, Ort, E-Mail, Ansprechpartner…").fill("Melle")
    # then only the matching customer remains (htmx swapped the table)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=customer-count]').innerText === '1 Firma'"
    )
    assert "Melle Metall GmbH" in page.get_by_test_id("customer-table").inner_text()
    assert "q=Melle" in page.url

    # when the user switches to English
    page.get_by_test_id("lang-en").click()
    # then the shell speaks English on this and the next pages
    page.wait_for_selector("html[lang=en]")
    assert page.get_by_test_id("main-nav").inner_text().split() == ["Search", "ISP", "Collection"]
    page.goto("/customers/new/")
    assert page.get_by_label("Company").is_visible()
