"""Access-data sheets: encrypted PDFs that list the selected entries, mailed or downloaded;
bulk sheets in the background with passwords shown once."""

import base64
import io
import re
import shutil
import subprocess

import pikepdf
import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from hostkontor.billing.models import SellerProfile
from hostkontor.core.models import AuditEvent
from hostkontor.customers.models import ContactPerson
from hostkontor.testing.factories import make_customer

from .models import SheetBatch, SheetBatchItem
from .sheets import (
    client_settings,
    sheet_batch_create,
    sheet_batch_passwords,
    sheet_create,
    sheet_send,
)
from .testing import make_entry

pytestmark = pytest.mark.django_db

IMAP_PW = "Imap-Sheet-Pw-31"
SMTP_PW = "Smtp-Sheet-Pw-47"
FTP_PW = "Ftp-Not-Selected-59"


@pytest.fixture
def customer():
    SellerProfile.objects.create(
        company="Netzwerk Nord GmbH",
        street="Hafenstraße 1",
        zip_code="20457",
        city="Hamburg",
        phone="040 123456",
    )
    return make_customer()


@pytest.fixture
def entries(customer):
    imap = make_entry(customer, IMAP_PW, label="Postfach Info", tls_mode="implicit")
    smtp = make_entry(
        customer, SMTP_PW, service_type="smtp", host="smtp.example.net", tls_mode="starttls"
    )
    ftp = make_entry(customer, FTP_PW, service_type="ftp", host="ftp.example.net", username="web42")
    return imap, smtp, ftp


def pdf_text(pdf: bytes, password: str) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    result = subprocess.run(
        ["pdftotext", "-upw", password, "-layout", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode()


def assert_opens_only_with(pdf: bytes, password: str) -> None:
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(io.BytesIO(pdf))
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(io.BytesIO(pdf), password="wrong-" + password)
    with pikepdf.open(io.BytesIO(pdf), password=password) as document:
        assert document.user_password_matched
        assert len(document.pages) >= 1


def test_client_settings_for_mail():
    from .models import VaultEntry

    imap = VaultEntry(service_type="imap", host="h", tls_mode="implicit")
    smtp = VaultEntry(service_type="smtp", host="h", tls_mode="starttls")
    pop = VaultEntry(service_type="pop3", host="h", tls_mode="implicit")
    assert (imap.effective_port, smtp.effective_port, pop.effective_port) == (993, 587, 995)
    assert client_settings(imap)[0] == ("Verbindungssicherheit", "SSL/TLS")
    assert client_settings(smtp)[:2] == [
        ("Verbindungssicherheit", "STARTTLS"),
        ("Servertyp", "Postausgangsserver (SMTP)"),
    ]


def test_sheet_opens_only_with_its_password_and_lists_the_selected_entries(
    customer, entries, technician_user
):
    imap, smtp, _ftp = entries
    # when a sheet for IMAP and SMTP is created
    sheet = sheet_create(
        actor=technician_user, customer=customer, entries=[imap, smtp], ip_address="192.0.2.1"
    )
    password = sheet.password.reveal()
    # then it opens only with the generated password (AES-256, R6)
    assert len(password) == 16
    assert_opens_only_with(sheet.pdf, password)
    with pikepdf.open(io.BytesIO(sheet.pdf), password=password) as document:
        assert document.encryption.R == 6
    # and it lists host, port, user, password and client settings of the selected entries only
    text = pdf_text(sheet.pdf, password)
    for expected in (
        "Netzwerk Nord GmbH",
        "Zugangsdaten",
        "mail.example.net",
        "993",
        "SSL/TLS",
        IMAP_PW,
        "info@example.net",
        "smtp.example.net",
        "587",
        "STARTTLS",
        SMTP_PW,
    ):
        assert expected in text, expected
    assert FTP_PW not in text and "ftp.example.net" not in text
    # and the creation is audited without a password
    event = AuditEvent.objects.get(action="vault.sheet_created")
    assert event.changes == {
        "entries": ["", f"#{imap.pk} Postfach Info, #{smtp.pk} info@example.net@smtp.example.net"]
    }
    assert event.ip_address == "192.0.2.1"
    assert sheet.filename == "zugangsdaten-k10001.pdf"


def test_sheet_in_english_for_english_customers(entries, customer, technician_user):
    customer.language = "en"
    customer.save()
    sheet = sheet_create(actor=technician_user, customer=customer, entries=[entries[0]])
    text = pdf_text(sheet.pdf, sheet.password.reveal())
    assert "Access data" in text and "Connection security" in text


def test_sheet_needs_permission(customer, entries, billing_user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        sheet_create(actor=billing_user, customer=customer, entries=list(entries))


def test_sending_mails_the_pdf_but_not_its_password(customer, entries, technician_user):
    contact = ContactPerson.objects.create(
        customer=customer, first_name="Eva", last_name="Meyer", email="eva@example.com"
    )
    sheet = sheet_send(
        actor=technician_user, customer=customer, entries=[entries[2]], contact=contact
    )
    message = mail.outbox[0]
    assert message.to == ["eva@example.com"]
    assert message.subject == "Ihre Zugangsdaten von Netzwerk Nord GmbH"
    [(filename, pdf, mimetype)] = message.attachments
    assert (filename, mimetype) == ("zugangsdaten-k10001.pdf", "application/pdf")
    assert_opens_only_with(pdf, sheet.password.reveal())
    raw = message.message().as_string()
    assert sheet.password.reveal() not in raw and FTP_PW not in raw
    event = AuditEvent.objects.get(action="vault.sheet_sent")
    assert event.changes["recipient"] == ["", "Eva Meyer <eva@example.com>"]


def test_contact_of_another_customer_is_refused(customer, entries, technician_user):
    other = make_customer("K10002", "Andere GmbH")
    contact = ContactPerson.objects.create(customer=other, last_name="X", email="x@example.com")
    with pytest.raises(ValueError):
        sheet_send(actor=technician_user, customer=customer, entries=[entries[0]], contact=contact)
    assert mail.outbox == []


def test_download_page_shows_the_password_once_and_offers_the_pdf(customer, entries, admin_client):
    response = admin_client.post(
        reverse("vault:sheet", args=[customer.pk]), {"service_type": "imap", "delivery": "download"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = re.search(r'data-testid="sheet-password">([^<]+)<', html).group(1)
    data = re.search(r'href="data:application/pdf;base64,([^"]+)"', html).group(1)
    pdf = base64.b64decode(data)
    assert_opens_only_with(pdf, password)
    assert IMAP_PW in pdf_text(pdf, password)
    assert IMAP_PW not in html
    assert AuditEvent.objects.filter(action="vault.sheet_created").count() == 1


def test_mail_from_the_page(customer, entries, admin_client):
    contact = ContactPerson.objects.create(
        customer=customer, last_name="Meyer", email="meyer@example.com"
    )
    response = admin_client.post(
        reverse("vault:sheet", args=[customer.pk]),
        {"entries": [entries[0].pk, entries[1].pk], "delivery": "email", "contact": contact.pk},
    )
    html = response.content.decode()
    password = re.search(r'data-testid="sheet-password">([^<]+)<', html).group(1)
    assert "data:application/pdf" not in html
    [(_name, pdf, _type)] = mail.outbox[0].attachments
    text = pdf_text(pdf, password)
    assert IMAP_PW in text and SMTP_PW in text and FTP_PW not in text


def test_sheet_form_requires_a_selection(customer, entries, admin_client):
    response = admin_client.post(reverse("vault:sheet", args=[customer.pk]), {"delivery": "email"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "__all__": ["Wählen Sie Einträge oder einen Diensttyp."],
        "contact": ["Wählen Sie den Kontakt, an den das Blatt gehen soll."],
    }


def test_billing_may_not_open_the_sheet_form(customer, billing_user):
    client = Client()
    client.force_login(billing_user)
    assert client.get(reverse("vault:sheet", args=[customer.pk])).status_code == 403


# --- bulk -------------------------------------------------------------------------------------


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_bulk_sheets_go_to_each_customers_contact_and_passwords_show_once(
    immediate_tasks, admin_user, admin_client, django_capture_on_commit_callbacks
):
    # given three customers, two with entries on the old host
    SellerProfile.objects.create(company="Netzwerk Nord GmbH")
    first, second, third = (make_customer(f"K1000{i}", f"Firma {i}") for i in (1, 2, 3))
    make_entry(first, "Bulk-Pw-First-1", host="old.example.net")
    make_entry(
        second, "Bulk-Pw-Second-2", host="old.example.net", service_type="ftp", username="ftp2"
    )
    make_entry(second, "Bulk-Pw-Other-Host", host="new.example.net")
    make_entry(third, "Bulk-Pw-Third-3", host="new.example.net")
    ContactPerson.objects.create(
        customer=first, last_name="Billing", email="bill@first.example", is_billing=True
    )
    ContactPerson.objects.create(
        customer=first, last_name="Tech", email="tech@first.example", is_technical=True
    )
    ContactPerson.objects.create(
        customer=second, last_name="Boss", email="boss@second.example", is_management=True
    )
    # when the bulk form is sent for the old host (the task runs on commit)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(reverse("vault:sheet_bulk"), {"host": "old.example.net"})
    batch = SheetBatch.objects.get()
    assert response["Location"] == reverse("vault:sheet_batch", args=[batch.pk])
    # then each customer's contact got their sheet
    batch.refresh_from_db()
    assert batch.status == "done"
    assert sorted(m.to[0] for m in mail.outbox) == ["boss@second.example", "tech@first.example"]
    items = {i.customer.number: i for i in batch.items.all()}
    assert {n: (i.status, i.entry_count) for n, i in items.items()} == {
        "K10001": ("sent", 1),
        "K10002": ("sent", 1),
    }
    assert all(i.password_ciphertext.startswith("v1:testA:") for i in items.values())
    # and the batch page offers the passwords once
    html = admin_client.get(reverse("vault:sheet_batch", args=[batch.pk])).content.decode()
    assert 'data-testid="show-passwords"' in html
    response = admin_client.post(reverse("vault:sheet_batch_passwords", args=[batch.pk]))
    html = response.content.decode()
    assert "no-store" in response["Cache-Control"]
    shown = dict(
        re.findall(
            r'<td>(K1000\d) [^<]*</td><td>[^<]*</td><td><code id="pw-\d+" class="user-select-all">([^<]+)</code>',
            html,
        )
    )
    assert sorted(shown) == ["K10001", "K10002"]
    for message in mail.outbox:
        number = "K10001" if message.to == ["tech@first.example"] else "K10002"
        [(_name, pdf, _type)] = message.attachments
        assert_opens_only_with(pdf, shown[number])
        text = pdf_text(pdf, shown[number])
        assert ("Bulk-Pw-First-1" if number == "K10001" else "Bulk-Pw-Second-2") in text
        assert "Bulk-Pw-Other-Host" not in text
    # and then they are gone
    assert list(SheetBatchItem.objects.values_list("password_ciphertext", flat=True)) == ["", ""]
    again = admin_client.post(
        reverse("vault:sheet_batch_passwords", args=[batch.pk])
    ).content.decode()
    assert "bereits einmal angezeigt" in again
    assert not re.search(r'<code id="pw-', again)
    actions = list(
        AuditEvent.objects.filter(action__startswith="vault.sheet").values_list("action", flat=True)
    )
    assert sorted(actions) == [
        "vault.sheet_batch_created",
        "vault.sheet_batch_passwords_viewed",
        "vault.sheet_sent",
        "vault.sheet_sent",
    ]


def test_bulk_skips_customers_without_contact(
    immediate_tasks, admin_user, django_capture_on_commit_callbacks
):
    customer = make_customer()
    make_entry(customer, "Skip-Pw-1", host="old.example.net")
    with django_capture_on_commit_callbacks(execute=True):
        batch = sheet_batch_create(actor=admin_user, host="old.example.net")
    item = batch.items.get()
    assert (item.status, item.message, item.password_ciphertext) == (
        "skipped",
        "keine Kontaktperson mit E-Mail-Adresse",
        "",
    )
    assert mail.outbox == []


def test_only_the_creator_sees_batch_passwords(
    immediate_tasks, admin_user, technician_user, django_capture_on_commit_callbacks
):
    from django.core.exceptions import PermissionDenied

    customer = make_customer()
    make_entry(customer, "Creator-Pw-1", host="old.example.net")
    ContactPerson.objects.create(customer=customer, last_name="T", email="t@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        batch = sheet_batch_create(actor=admin_user, host="old.example.net")
    with pytest.raises(PermissionDenied):
        sheet_batch_passwords(actor=technician_user, batch=batch)
    assert SheetBatchItem.objects.get().password_ciphertext != ""


def test_sheet_mail_signs_with_the_company_details_and_comes_from_the_seller(
    customer, entries, technician_user, settings
):
    # given a seller with e-mail and register details, and no configured sender (issue 10)
    settings.DEFAULT_FROM_EMAIL = "hostkontor@localhost"
    SellerProfile.objects.filter(pk=SellerProfile.current().pk).update(
        email="info@netzwerk-nord.example",
        register_court="Amtsgericht Hamburg",
        register_number="HRB 4711",
        managing_directors="Eva Nord",
    )
    contact = ContactPerson.objects.create(
        customer=customer, first_name="Eva", last_name="Meyer", email="eva@example.com"
    )
    # when the sheet is mailed
    sheet_send(actor=technician_user, customer=customer, entries=[entries[2]], contact=contact)
    # then the mail comes from the seller and ends with the § 35a GmbHG details
    message = mail.outbox[0]
    assert message.from_email == '"Netzwerk Nord GmbH" <info@netzwerk-nord.example>'
    assert message.body.endswith(
        "Netzwerk Nord GmbH\nHafenstraße 1\n20457 Hamburg\nTel. 040 123456\n"
        "info@netzwerk-nord.example\nRegistergericht: Amtsgericht Hamburg HRB 4711\n"
        "Sitz der Gesellschaft: Hamburg\nGeschäftsführung: Eva Nord\n"
    )


@pytest.mark.parametrize(
    ("status", "pending", "ended"),
    [
        ("queued", True, False),
        ("running", True, False),
        ("done", False, True),
        ("failed", False, True),
    ],
)
def test_a_sheet_batch_polls_while_pending_and_shows_passwords_once_ended(status, pending, ended):
    # given a batch in a status / then its page polls while pending, offers passwords once ended
    batch = SheetBatch(status=status)
    assert (batch.is_pending, batch.has_ended) == (pending, ended)
