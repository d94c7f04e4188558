import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from hostkontor.testing.factories import make_contract, make_customer, make_seller_profile

from .models import Invoice, OneOffItem

pytestmark = pytest.mark.django_db


def billing_json(capsys, *args) -> dict:
    call_command("billing_run", *args, "--format", "json")
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def dmmd():
    make_seller_profile()
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
        # setup fees and items store a date of supply, but have no billing period
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
    # the April invoices and the two January drafts waiting for review, numbered and dated
    # in the year of issue (the run date only decides what is billed)
    year = timezone.localdate().year
    assert sorted(i["number"] for i in issued["invoices"]) == [
        f"RE-{year}-0000{n}" for n in range(1, 5)
    ]
    second = Invoice.objects.get(number=f"RE-{year}-00002")
    assert second.pdf.name == f"invoices/{year}/RE-{year}-00002.pdf"


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
    year = timezone.localdate().year
    assert sorted(i["number"] for i in report["invoices"]) == [
        f"RE-{year}-00001",
        f"RE-{year}-00002",
    ]
    assert Invoice.objects.filter(status="draft").count() == 0


def test_an_impossible_date_is_a_usage_error_naming_the_value_not_a_traceback(capsys):
    from .management.commands.billing_run import Command

    # when a user types 30 February on the command line
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["manage.py", "billing_run", "--date", "2025-02-30"])
    # then argparse's usage error names the value (exit 2), and nothing was billed
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        "manage.py billing_run: error: argument --date: "
        "'2025-02-30' is not a date in format YYYY-MM-DD"
    )
    # and through call_command the same message is a CommandError
    with pytest.raises(CommandError) as error:
        call_command("billing_run", "--date", "2025-02-30")
    assert str(error.value) == (
        "Error: argument --date: '2025-02-30' is not a date in format YYYY-MM-DD"
    )


def test_a_date_beyond_the_horizon_needs_allow_future(capsys, settings, dmmd):
    from datetime import timedelta

    from django.utils import timezone

    from .models import BillingRun

    settings.BILLING_HORIZON_DAYS = 30
    today = timezone.localdate()
    too_far = today + timedelta(days=31)
    # when a run (even a dry one) is asked for a day after the horizon
    for extra in ([], ["--dry-run"]):
        with pytest.raises(CommandError) as error:
            call_command("billing_run", "--date", too_far.isoformat(), *extra)
        # then it is refused, naming the date and the way out; nothing is created
        assert str(error.value) == (
            f"--date {too_far}: more than 30 days ahead of today (after "
            f"{today + timedelta(days=30)}); pass --allow-future if you mean it"
        )
    assert (BillingRun.objects.count(), Invoice.objects.count()) == (0, 0)
    # the last day of the horizon is fine, and --allow-future lets the far date through
    assert billing_json(capsys, "--date", (today + timedelta(days=30)).isoformat(), "--dry-run")
    report = billing_json(capsys, "--date", too_far.isoformat(), "--dry-run", "--allow-future")
    assert report["date"] == too_far.isoformat()


def test_a_real_run_reports_a_customer_with_more_contracts_than_sqlite_expressions(capsys):
    from hostkontor.contracts.models import Contract, ContractType

    # given one customer with 1,100 contracts due on the same day (more than SQLite's 1,000
    # terms of an expression: the report once prefetched them as "id = %s OR id = %s …")
    customer = make_customer()
    contract_type = ContractType.objects.create(name="Postfach")
    Contract.objects.bulk_create(
        Contract(
            customer=customer,
            reference=f"P-{n:04d}",
            contract_type=contract_type,
            start=date(2003, 1, 20),
            fee=Decimal("1.00"),
            fee_unit="month",
            interval="month",
        )
        for n in range(1100)
    )
    # when the user runs the real billing run for that day
    report = billing_json(capsys, "--date", "2003-01-20")
    # then the command reports every line of the saved invoice
    [invoice] = report["invoices"]
    assert (len(invoice["lines"]), invoice["net"]) == (1100, "1100.00")
    assert invoice["lines"][0]["contract"] == "P-0000"
    assert report["run"]["status"] == "done"


def test_the_report_reads_invoices_in_chunks_with_their_lines(capsys, monkeypatch, dmmd):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from . import run_report

    # given a run that billed two customers, and report chunks of one invoice
    call_command("billing_run", "--date", "2003-01-21")
    capsys.readouterr()
    ids = list(Invoice.objects.order_by("pk").values_list("pk", flat=True))
    monkeypatch.setattr(run_report, "REPORT_CHUNK", 1)
    # when the report is built
    with CaptureQueriesContext(connection) as queries:
        report = run_report.invoices_report(date(2003, 1, 21), ids)
    # then each chunk took two queries (invoices with customers, lines with contracts)
    assert len(queries) == 4
    assert [i["customer_number"] for i in report["invoices"]] == ["K00001", "K10001"]
    assert [len(i["lines"]) for i in report["invoices"]] == [1, 5]
