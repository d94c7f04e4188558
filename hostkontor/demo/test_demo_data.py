"""Demo data only in the demo's own database: refused in production and on a real database;
in demo mode every page and every document says "Demo" and the numbers are DEMO-…."""

import io
import shutil
import subprocess
import sys

import pikepdf
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from hostkontor.billing.demo import SELLER
from hostkontor.billing.models import Invoice, SellerProfile
from hostkontor.billing.rendering import invoice_pdf_read_stored
from hostkontor.core.test_deploy_settings import production_env
from hostkontor.customers.models import Customer
from hostkontor.demo.leftovers import demo_leftovers_warning
from hostkontor.testing.factories import make_customer
from hostkontor.testing.services import require_service


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = shutil.which("pdftotext")
    if path is None:
        require_service("pdftotext", "not installed (apt-get install poppler-utils)")
    source = tmp_path / "document.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(
        [path, "-enc", "UTF-8", str(source), "-"], check=True, capture_output=True
    )
    return result.stdout.decode("utf-8")


def manage(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_data_is_refused_in_production(tmp_path):
    # given a production installation
    env = production_env(tmp_path)
    # when demo data is asked for
    result = manage(["demo_data"], env)
    # then the command refuses, and says why
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "CommandError: demo_data refused: HOSTKONTOR_ENV=production: demo data is never loaded "
        "into a live install (its invoices would be real documents with real numbers).\n"
    ) in result.stderr


def test_demo_mode_refuses_to_start_in_production(tmp_path):
    # given a production installation that is also asked to run as the demo
    env = production_env(tmp_path, HOSTKONTOR_DEMO="1")
    # when anything starts (here: Django's checks)
    result = manage(["check"], env)
    # then settings refuse before anything runs
    assert result.returncode == 1, result.stdout + result.stderr
    assert (
        "HOSTKONTOR_DEMO=1 and HOSTKONTOR_ENV=production exclude each other: demo data never "
        "goes into a live install. Unset HOSTKONTOR_DEMO."
    ) in result.stderr


def test_demo_data_is_refused_in_production_even_in_demo_mode(db, settings):
    # given production settings with the demo switch on
    settings.PRODUCTION = True
    settings.DEMO = True
    # when demo data is asked for, then it is refused and nothing is created
    with pytest.raises(CommandError, match=r"^demo_data refused: HOSTKONTOR_ENV=production: "):
        call_command("demo_data")
    assert Customer.objects.count() == 0


def test_demo_data_is_refused_on_the_real_database(db, settings):
    # given the real install (no demo mode)
    settings.DEMO = False
    # when demo data is asked for
    with pytest.raises(CommandError) as refused:
        call_command("demo_data")
    # then it is refused with the way to the demo, and nothing is created
    assert str(refused.value) == (
        "demo_data refused: demo data goes only into the demo's own database: run `make demo` "
        "(or HOSTKONTOR_DEMO=1 python manage.py demo_data; database var/demo.sqlite3). "
        f"This is the real database ({settings.DATABASES['default']['NAME']})."
    )
    assert Customer.objects.count() == 0
    assert SellerProfile.objects.count() == 0


def test_demo_data_is_refused_on_a_database_with_real_invoices(db, settings):
    # given demo mode pointed at a database that holds an invoice of a real range
    settings.DEMO = True
    invoice = Invoice.objects.create(customer=make_customer(), run_date="2026-11-01")
    Invoice.objects.filter(pk=invoice.pk).update(
        status=Invoice.Status.ISSUED, number="RE-2026-00001", invoice_date="2026-11-01"
    )
    # when demo data is asked for, then it is refused and no demo customer is added
    with pytest.raises(CommandError) as refused:
        call_command("demo_data")
    assert str(refused.value) == (
        "demo_data refused: this database holds 1 issued documents numbered in a real range: "
        "demo data goes only into an empty demo database."
    )
    assert list(Customer.objects.values_list("number", flat=True)) == ["K10001"]


def test_in_demo_mode_documents_are_marked_and_numbered_in_demo_ranges(db, settings, tmp_path):
    # given demo mode
    settings.DEMO = True
    # when the demo data is loaded
    call_command("demo_data")
    # then the seller's number ranges are the demo's own
    profile = SellerProfile.current()
    assert profile.invoice_number_pattern == "DEMO-RE-{YYYY}-{00000}"
    assert profile.credit_note_number_pattern.startswith("DEMO-")
    # and every issued document carries a DEMO- number
    numbers = sorted(Invoice.objects.exclude(number=None).values_list("number", flat=True))
    assert len(numbers) == 12
    assert all(number.startswith("DEMO-RE-") for number in numbers), numbers
    assert numbers[0].endswith("-00001")
    # and its stored PDF says DEMO in its title and on the page
    first = Invoice.objects.get(number=numbers[0])
    pdf = invoice_pdf_read_stored(first)
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert str(doc.docinfo["/Title"]) == f"DEMO Rechnung {numbers[0]}"
    (tmp_path / "demo.pdf").write_bytes(pdf)
    pages = pdf_text(pdf, tmp_path).split("\f")[:-1]
    assert pages
    assert all("DEMO" in page.splitlines() for page in pages), pages  # the watermark on every page
    # and loading again adds nothing
    call_command("demo_data")
    assert Invoice.objects.exclude(number=None).count() == 12


@pytest.mark.parametrize("demo", [True, False], ids=["demo", "real"])
def test_every_page_says_demo_only_in_demo_mode(client, settings, demo, admin_client):
    # given demo mode on or off
    settings.DEMO = demo
    # when a signed-in user and the login page are shown
    home = admin_client.get(reverse("core:home"), follow=True)
    admin_client.logout()
    login = client.get(reverse("accounts:login"))
    # then both carry the demo banner (and the title DEMO) exactly in demo mode
    for response in (home, login):
        html = response.content.decode()
        assert ('data-testid="demo-banner"' in html) is demo
        assert ("<title>DEMO · " in html) is demo


def test_start_warns_about_demo_data_an_earlier_make_run_left_in_the_real_database(db, settings):
    # given a real database that an earlier `make run` filled with the demo seller and invoices
    settings.DEMO = False
    SellerProfile.objects.create(company=SELLER["company"], vat_id=SELLER["vat_id"])
    invoice = Invoice.objects.create(customer=make_customer(), run_date="2026-11-01")
    Invoice.objects.filter(pk=invoice.pk).update(
        status=Invoice.Status.ISSUED, number="RE-2026-00001", invoice_date="2026-11-01"
    )
    # when `start` checks for leftovers, then it says what they are and what to do
    assert demo_leftovers_warning() == (
        "This database holds the demo data of an earlier `make run` (seller Kahl Internet "
        "Services GmbH, 1 issued documents in the real number ranges): it is not fit for real "
        f"invoices. To start clean, stop, move {settings.DATABASES['default']['NAME']} away "
        "and run `make run` again; to try Hostkontor, use `make demo`."
    )
    # and the demo's own database is no leftover
    settings.DEMO = True
    assert demo_leftovers_warning() is None


def test_a_real_database_with_its_own_seller_has_no_leftovers(db, settings):
    # given the real install with the agency's own seller profile
    settings.DEMO = False
    SellerProfile.objects.create(company="Muster Hosting GmbH", vat_id="DE123456789")
    # when `start` checks for leftovers, then there are none
    assert demo_leftovers_warning() is None
