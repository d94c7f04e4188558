import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from hostkontor.testing.factories import make_contract, make_customer

from .models import Invoice, OneOffItem

pytestmark = pytest.mark.django_db


def billing_json(capsys, *args) -> dict:
    call_command("billing_run", *args, "--format", "json")
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def dmmd():
    customer = make_customer()
    make_contract(
        customer,
        "V-2",
        "Server Webserver",
        start=date(2003, 1, 21),
        setup_fee=Decimal("49.00"),
        fee=Decimal("10.00"),
    )
    make_contract(
        customer,
        "V-1",
        start=date(2003, 1, 20),
        setup_fee=Decimal("39.00"),
        description="inkl. Domain dmmd.de",
    )
    OneOffItem.objects.create(
        customer=customer,
        description="Festplatte",
        service_date=date(2003, 1, 2),
        unit_price=Decimal("10.00"),
    )
    make_contract(
        make_customer(number="K00001", company="Erster"),
        "V-9",
        start=date(2003, 1, 1),
        fee=Decimal("1.00"),
        interval="month",
    )
    return customer


def test_dry_run_json_has_the_documented_shape_and_order(capsys, dmmd):
    report = billing_json(capsys, "--date", "2003-01-21", "--dry-run")
    assert report["date"] == "2003-01-21"
    assert [i["customer_number"] for i in report["invoices"]] == ["K00001", "K10001"]
    first, dmmd_invoice = report["invoices"]
    assert first["lines"] == [
        {
            "contract": "V-9",
            "kind": "period",
            "description": "Domain Server Standard\nZeitraum 01.01.2003 – 31.01.2003",
            "period_start": "2003-01-01",
            "period_end": "2003-01-31",
            "quantity": "1",
            "net": "1.00",
            "tax_rate": "19.00",
        }
    ]
    assert [
        (line["contract"], line["kind"], line["period_start"], line["net"])
        for line in dmmd_invoice["lines"]
    ] == [
        ("V-1", "setup", None, "39.00"),
        ("V-1", "period", "2003-01-20", "57.00"),
        ("V-2", "setup", None, "49.00"),
        ("V-2", "period", "2003-01-21", "30.00"),
        (None, "item", None, "10.00"),
    ]
    assert (
        dmmd_invoice["number"],
        dmmd_invoice["currency"],
        dmmd_invoice["net"],
        dmmd_invoice["tax"],
        dmmd_invoice["gross"],
    ) == (
        None,
        "EUR",
        "185.00",
        "35.15",
        "220.15",
    )
    assert Invoice.objects.count() == 0


def test_real_run_then_issue_gives_numbers_and_a_rerun_bills_nothing(capsys, dmmd):
    drafts = billing_json(capsys, "--date", "2003-01-21")
    assert [i["number"] for i in drafts["invoices"]] == [None, None]
    assert billing_json(capsys, "--date", "2003-01-21")["invoices"] == []
    issued = billing_json(capsys, "--date", "2003-04-21", "--issue")
    # the April invoices and the two January drafts waiting for review
    assert sorted(i["number"] for i in issued["invoices"]) == [
        f"RE-2003-0000{n}" for n in range(1, 5)
    ]
    assert Invoice.objects.get(number="RE-2003-00002").pdf.name == "invoices/2003/RE-2003-00002.pdf"


def test_bad_arguments_are_refused():
    with pytest.raises(CommandError, match="not a date"):
        call_command("billing_run", "--date", "21.01.2003")
    with pytest.raises(CommandError, match="cannot be combined"):
        call_command("billing_run", "--date", "2003-01-21", "--dry-run", "--issue")


def test_issue_also_issues_the_drafts_an_earlier_run_left(capsys, dmmd):
    # given a run that left drafts for review
    call_command("billing_run", "--date", "2003-01-21")
    capsys.readouterr()
    # when the same date is run again with --issue
    report = billing_json(capsys, "--date", "2003-01-21", "--issue")
    # then nothing is billed twice, and the waiting drafts got their numbers
    assert sorted(i["number"] for i in report["invoices"]) == ["RE-2003-00001", "RE-2003-00002"]
    assert Invoice.objects.filter(status="draft").count() == 0
