"""The contract form in a real Chromium: the type fills in its defaults, "Ende offen" works."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from .models import Contract, ContractType

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_choosing_a_type_fills_its_defaults_and_the_contract_is_saved(
    page, live_server, billing_user, customer
):
    ContractType.objects.create(
        name="Spamschutz",
        category="mail",
        default_setup_fee=Decimal("10.00"),
        default_fee=Decimal("1020.50"),
        default_fee_unit="quarter",
        default_interval="quarter",
        default_mode="arrears",
        default_tax_rate=Decimal("7.00"),
    )
    sign_in(page, live_server, billing_user)
    page.goto(f"/contracts/customer/{customer.pk}/new/")
    form = page.get_by_test_id("contract-form")
    # "Ende offen" is ticked for a new contract, so the end date is disabled
    assert form.locator("[name=end]").is_disabled()
    # when a type is chosen
    form.locator("[name=contract_type]").select_option(label="Spamschutz")
    # then its defaults are filled in, German formatted
    assert [
        form.locator(f"[name={name}]").input_value()
        for name in ("setup_fee", "fee", "fee_unit", "interval", "mode", "tax_rate")
    ] == ["10,00", "1020,50", "quarter", "quarter", "arrears", "7,00"]
    form.locator("[name=start]").fill("21.01.2003")
    form.locator("[name=description]").fill("Spamfilter auf dem Hauptserver")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/contracts/customer/{customer.pk}/$"))
    contract = Contract.objects.get()
    assert (contract.start, contract.end, contract.fee, contract.mode, contract.tax_rate) == (
        date(2003, 1, 21),
        None,
        Decimal("1020.50"),
        "arrears",
        Decimal("7.00"),
    )
    assert "Spamfilter auf dem Hauptserver" in page.get_by_test_id("contract-table").inner_text()
