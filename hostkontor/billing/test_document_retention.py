"""GoBD: stored documents are kept for ten years and verified against their SHA-256."""

import datetime
import json

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from .models import Invoice
from .rendering import invoice_pdf_store
from .retention import RetentionError, retention_ends, stored_document_delete
from .test_rendering import make_issued_invoice, media_storage  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _stored(number: str, customer=None) -> Invoice:
    invoice = make_issued_invoice(number=number, customer=customer, lines=[])
    invoice_pdf_store(invoice, f"%PDF-1.7 {number}\n".encode())
    return Invoice.objects.get(pk=invoice.pk)


def test_retention_ends_ten_years_after_the_end_of_the_year_of_issue():
    assert retention_ends(datetime.date(2026, 1, 1)) == datetime.date(2036, 12, 31)
    assert retention_ends(datetime.date(2026, 12, 31)) == datetime.date(2036, 12, 31)


def test_a_retained_document_is_not_deleted_until_its_period_ends(media_storage):  # noqa: F811
    # given an invoice issued on 27.11.2026 with its stored PDF
    invoice = _stored("RE-2026-00001")
    path = media_storage / invoice.pdf.name

    # when its file is deleted on the last day of the retention period, then that is refused
    with pytest.raises(RetentionError, match="must be kept until 2036-12-31"):
        stored_document_delete(invoice.pdf.name, today=datetime.date(2036, 12, 31))
    assert path.exists()

    # and the day after, it may go
    stored_document_delete(invoice.pdf.name, today=datetime.date(2037, 1, 1))
    assert not path.exists()


def test_a_file_no_issued_document_refers_to_may_be_deleted(media_storage):  # noqa: F811
    # given a file left by a rolled-back issue
    name = default_storage.save("invoices/2026/RE-2026-00009.pdf", _content(b"%PDF-1.7 x"))

    # when it is deleted, then it is gone
    stored_document_delete(name, today=datetime.date(2026, 12, 3))
    assert not default_storage.exists(name)


def _content(data: bytes):
    from django.core.files.base import ContentFile

    return ContentFile(data)


def test_verify_documents_reports_altered_and_missing_files_and_exits_1(
    media_storage,  # noqa: F811
    capsys,
):
    # given three stored documents: one intact, one changed on disk, one deleted on disk
    intact = _stored("RE-2026-00001")
    altered = _stored("RE-2026-00002", customer=intact.customer)
    missing = _stored("RE-2026-00003", customer=intact.customer)
    (media_storage / altered.pdf.name).write_bytes(b"%PDF-1.7 RE-2026-00002 changed\n")
    (media_storage / missing.pdf.name).unlink()

    # when the documents are verified
    with pytest.raises(CommandError) as error:
        call_command("verify_documents")

    # then both problems are named, counted, and the command fails
    assert capsys.readouterr().out.splitlines() == [
        "altered  RE-2026-00002  invoices/2026/RE-2026-00002.pdf",
        "missing  RE-2026-00003  invoices/2026/RE-2026-00003.pdf",
        "checked 3, ok 1, missing 1, altered 1",
    ]
    assert str(error.value) == "1 stored documents missing, 1 altered"

    # and as JSON the same
    with pytest.raises(CommandError):
        call_command("verify_documents", "--format", "json")
    assert json.loads(capsys.readouterr().out) == {
        "checked": 3,
        "ok": 1,
        "missing": 1,
        "altered": 1,
        "findings": [
            {
                "number": "RE-2026-00002",
                "path": "invoices/2026/RE-2026-00002.pdf",
                "problem": "altered",
            },
            {
                "number": "RE-2026-00003",
                "path": "invoices/2026/RE-2026-00003.pdf",
                "problem": "missing",
            },
        ],
    }


def test_verify_documents_passes_when_every_file_matches(media_storage, capsys):  # noqa: F811
    # given two intact stored documents and a draft (which has no document)
    first = _stored("RE-2026-00001")
    _stored("RE-2026-00002", customer=first.customer)
    Invoice.objects.create(customer=first.customer, run_date=datetime.date(2026, 12, 1))

    # when they are verified, then all are ok and the command succeeds
    call_command("verify_documents")
    assert capsys.readouterr().out == "checked 2, ok 2, missing 0, altered 0\n"


# Files that delete from the storage, and why that is not a retained document.
STORAGE_DELETES_ALLOWED = {
    "billing/retention.py": "the guard itself",
    "core/upload_jobs.py": "an uploaded import file (registrar list, usage) after its import",
}


def test_every_storage_delete_goes_through_the_retention_guard():
    # given the source of every module (tests aside)
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    deleting = re.compile(r"storage\.delete\(|\.pdf\.delete\(|\.xml\.delete\(|os\.remove\(")
    offenders = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if not path.name.startswith("test_")
        and "migrations" not in path.parts
        and deleting.search(path.read_text(encoding="utf-8"))
    )
    # then only the guard and the import uploads delete stored files
    assert offenders == sorted(STORAGE_DELETES_ALLOWED)
