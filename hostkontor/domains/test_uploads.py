"""Registrar lists through the web: stored encrypted in the request, reconciled by the worker;
empty lists need a confirmation; the stored files only for who may import, audited."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from hostkontor.core.models import AuditEvent
from hostkontor.testing.users import make_user
from hostkontor.vault.crypto import VaultError

from .conftest import SAMPLES, import_in_the_web, sample_bytes
from .models import Domain, RegistrarImport, RegistrarUpload
from .reconciliation import registrar_import
from .test_import import joker_without_records
from .uploads import read_staged, stage_file

pytestmark = pytest.mark.django_db
SHARED_SAMPLES = Path("/work/shared/samples/registrar")
AUTH_CODE = b"Xq7:mT2pLw9e"  # in the hexonet sample


def sample(fmt: str) -> bytes:
    """The shared sample when present (the same files as the fixtures), else the fixture."""
    shared = SHARED_SAMPLES / SAMPLES[fmt]
    return shared.read_bytes() if shared.exists() else sample_bytes(fmt)


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_stored_encrypted_and_reconciled_by_the_worker_like_the_command(
    admin_client, demo
):
    # given the hexonet list, which holds an auth code
    data = sample("hexonet")
    assert AUTH_CODE in data
    # when it is uploaded
    response = admin_client.post(
        reverse("domains:imports"),
        {"registrar": "hexonet", "format": "hexonet", "file": SimpleUploadedFile("h.txt", data)},
    )
    # then the request only stored it, encrypted, and queued the job: nothing parsed yet
    job = RegistrarUpload.objects.get()
    assert response["Location"] == reverse("domains:upload_detail", args=[job.pk])
    assert (job.status, job.progress, job.records, job.size) == ("queued", 0, 0, len(data))
    assert RegistrarImport.objects.count() == 0
    with default_storage.open(job.path, "rb") as staged:
        stored = staged.read()
    assert stored.startswith(b"v1:test:") and AUTH_CODE not in stored and b"DOMAIN" not in stored
    fragment = admin_client.get(
        reverse("domains:upload_detail", args=[job.pk]), HTTP_HX_REQUEST="true"
    )
    assert 'data-status="queued"' in fragment.content.decode()
    assert 'hx-trigger="every 1s"' in fragment.content.decode()

    # when the database worker runs
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    # then the upload page leads to the import's page (htmx by HX-Redirect) ...
    job.refresh_from_db()
    imp = RegistrarImport.objects.get()
    assert (job.status, job.progress, job.records, job.registrar_import) == ("done", 100, 2, imp)
    detail = reverse("domains:import_detail", args=[imp.pk])
    fragment = admin_client.get(
        reverse("domains:upload_detail", args=[job.pk]), HTTP_HX_REQUEST="true"
    )
    url = reverse("domains:upload_detail", args=[job.pk])
    assert (fragment.status_code, fragment["HX-Redirect"]) == (204, url)
    page = admin_client.get(url, follow=True)
    assert page.redirect_chain == [(detail, 302)]
    assert "2 Datensätze importiert und abgeglichen." in page.content.decode()
    # ... the staged file is gone, the stored one is the upload
    assert not default_storage.exists(job.path)
    assert admin_client.get(reverse("domains:import_file", args=[imp.pk])).content == data
    # and the result is the command's result for the same file
    out = StringIO()
    call_command(
        "import_registrar",
        str(SHARED_SAMPLES / SAMPLES["hexonet"])
        if (SHARED_SAMPLES / SAMPLES["hexonet"]).exists()
        else str(Path(__file__).parent / "parsers" / "testdata" / SAMPLES["hexonet"]),
        registrar="hexonet",
        input_format="hexonet",
        format="json",
        stdout=out,
    )
    assert imp.result == json.loads(out.getvalue())


def test_a_faulty_upload_fails_in_the_worker_naming_the_line_and_applies_nothing(
    admin_client, demo
):
    # given a joker list with an impossible date in line 10
    data = sample("joker").replace(b"2025-01-09", b"2025-01-32")
    flags = list(Domain.objects.exclude(issues="").values_list("name", "issues"))
    # when it is uploaded and the worker has run
    page = import_in_the_web(
        admin_client,
        {"registrar": "joker", "format": "joker", "file": SimpleUploadedFile("joker.txt", data)},
    )
    # then the upload's page says failed with file, line and field, and nothing was applied
    job = RegistrarUpload.objects.get()
    html = page.content.decode()
    assert (page.status_code, job.status) == (200, "failed")
    assert job.error == (
        "joker.txt, line 10, field 'expires': '2025-01-32' is not a date in format yyyy-mm-dd"
    )
    assert 'data-status="failed"' in html and "hx-trigger" not in html
    assert RegistrarImport.objects.count() == 0
    assert list(Domain.objects.exclude(issues="").values_list("name", "issues")) == flags
    assert not default_storage.exists(job.path)
    # and the import list still leads to it
    listed = admin_client.get(reverse("domains:imports")).content.decode()
    open_uploads = listed.split('data-testid="open-uploads"', 1)[1].split("</ul>", 1)[0]
    assert reverse("domains:upload_detail", args=[job.pk]) in open_uploads
    assert 'data-status="failed"' in open_uploads


def test_an_empty_list_is_refused_in_the_web_unless_confirmed(admin_client, demo):
    upload = {"registrar": "joker", "format": "joker"}
    # when a joker list without records is uploaded
    page = import_in_the_web(
        admin_client,
        {**upload, "file": SimpleUploadedFile("joker-leer.txt", joker_without_records())},
    )
    # then the job fails naming the file, and no domain is marked missing
    assert RegistrarUpload.objects.get().status == "failed"
    assert "joker-leer.txt: Die Datei enthält keine Domain-Einträge." in page.content.decode(), (
        page.content.decode()
    )
    assert RegistrarImport.objects.count() == 0
    assert not Domain.objects.filter(issues__contains="missing_at_registrar").exists()
    # when it is uploaded again with the confirmation ticked
    page = import_in_the_web(
        admin_client,
        {
            **upload,
            "allow_empty": "on",
            "file": SimpleUploadedFile("joker-leer.txt", joker_without_records()),
        },
    )
    # then it is imported, and every active joker domain is missing at the registrar
    imp = RegistrarImport.objects.get()
    assert page["Location"] == reverse("domains:import_detail", args=[imp.pk])
    assert imp.records == 0
    assert [item["domain"] for item in imp.result["missing_at_registrar"]] == list(
        Domain.objects.filter(registrar="joker", status="active")
        .order_by("name")
        .values_list("name", flat=True)
    )


def test_only_who_may_import_downloads_the_stored_file_and_each_download_is_audited(client, demo):
    # given a stored hexonet list (it holds an auth code)
    imp = registrar_import(
        actor=None,
        registrar="hexonet",
        data=sample_bytes("hexonet"),
        filename=SAMPLES["hexonet"],
        format="hexonet",
    )
    url = reverse("domains:import_file", args=[imp.pk])
    downloads = AuditEvent.objects.filter(action="registrar_import.file_downloaded")
    # when Support and Technician try to download it
    for role in ("Support", "Technician"):
        client.force_login(make_user(role.lower(), role=role))
        # then they are refused, and the import's page offers no download
        assert client.get(url).status_code == 403
        page = client.get(reverse("domains:import_detail", args=[imp.pk])).content.decode()
        assert 'data-testid="import-file"' not in page
    assert downloads.count() == 0
    # when Billing (who may import) downloads it
    billing = make_user("billing", role="Billing")
    client.force_login(billing)
    page = client.get(reverse("domains:import_detail", args=[imp.pk])).content.decode()
    assert 'data-testid="import-file"' in page
    response = client.get(url)
    # then the file is delivered and the download is in the audit trail
    assert (response.status_code, response.content) == (200, sample_bytes("hexonet"))
    assert list(downloads.values_list("actor", "object_type", "object_id", "changes")) == [
        (
            billing.pk,
            "domains.registrarimport",
            str(imp.pk),
            {"file": ["", SAMPLES["hexonet"]]},
        )
    ]


def test_the_upload_page_is_only_for_who_may_import(client, demo):
    job = RegistrarUpload.objects.create(registrar="joker", format="joker", filename="j.txt")
    url = reverse("domains:upload_detail", args=[job.pk])
    for role, expected in [("Support", 403), ("Technician", 403), ("Billing", 200)]:
        client.force_login(make_user(role.lower(), role=role))
        assert client.get(url).status_code == expected


def test_a_staged_file_cut_off_or_moved_to_another_upload_does_not_decrypt(db):
    # given a file staged in three chunks for one upload
    job = RegistrarUpload.objects.create(registrar="joker", format="joker", filename="j.txt")
    other = RegistrarUpload.objects.create(registrar="joker", format="joker", filename="j.txt")
    job.path = stage_file(job, [b"first ", b"second ", b"third"])
    assert read_staged(job) == b"first second third"
    with default_storage.open(job.path, "rb") as staged:
        lines = staged.read().splitlines(keepends=True)
    assert len(lines) == 3
    # when the last chunk is cut off, or the file is given to another upload
    cut = default_storage.save("registrar-uploads/cut", ContentFile(b"".join(lines[:2])))
    job.path, other.path = cut, job.path
    # then neither decrypts
    for broken in (job, other):
        with pytest.raises(VaultError):
            read_staged(broken)
