"""Usage files through the web: stored in the request, imported by the worker like the command."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from hostkontor.testing.tasks import run_queued_tasks
from hostkontor.testing.users import make_user

from .management.commands.import_usage import import_report
from .models import UsageImport, UsageRecord, UsageUpload

pytestmark = pytest.mark.django_db
NAME = "vnstat_json_d_eth0.json"
SHARED = Path("/work/shared/samples/usage") / NAME
SAMPLE = SHARED if SHARED.exists() else Path(__file__).parent / "parsers" / "fixtures" / NAME


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_only_stored_in_the_request_and_imported_by_the_worker_like_the_command(
    admin_client,
):
    data = SAMPLE.read_bytes()
    # when a vnStat export is uploaded
    response = admin_client.post(
        reverse("usage:index"), {"file": SimpleUploadedFile(NAME, data), "format": "vnstat"}
    )
    # then the request stored the file and queued the job: nothing parsed, nothing saved
    job = UsageUpload.objects.get()
    assert response["Location"] == reverse("usage:upload_detail", args=[job.pk])
    assert (job.status, job.progress, job.records, job.size) == ("queued", 0, 0, len(data))
    assert (UsageImport.objects.count(), UsageRecord.objects.count()) == (0, 0)
    with default_storage.open(job.path, "rb") as stored:
        assert stored.read() == data
    fragment = admin_client.get(
        reverse("usage:upload_detail", args=[job.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-status="queued"' in fragment and 'hx-trigger="every 1s"' in fragment

    # when the database worker runs
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    # then the job is done, its file gone, and the page leads to the import list with the counts
    job.refresh_from_db()
    record = UsageImport.objects.get()
    assert (job.status, job.progress, job.usage_import) == ("done", 100, record)
    assert job.records == record.records_read > 0
    assert not default_storage.exists(job.path)
    url = reverse("usage:upload_detail", args=[job.pk])
    fragment = admin_client.get(url, HTTP_HX_REQUEST="true")
    assert (fragment.status_code, fragment["HX-Redirect"]) == (204, url)
    page = admin_client.get(url, follow=True)
    assert page.redirect_chain == [(reverse("usage:index"), 302)]
    assert (
        f"{NAME}: {record.records_read} Datensätze gelesen, {record.records_new} neu, "
        "0 doppelt, 0 aktualisiert." in page.content.decode()
    )
    # and the import reports what the command reports for the same file on the same data
    web = import_report(record)
    UsageRecord.objects.all().delete()
    UsageImport.objects.all().delete()
    out = StringIO()
    call_command("import_usage", str(SAMPLE), input_format="vnstat", format="json", stdout=out)
    assert json.loads(out.getvalue()) == web


def test_only_who_may_import_uploads_and_follows_uploads(client):
    job = UsageUpload.objects.create(format="vnstat", filename=NAME)
    for role, expected in [("Support", 403), ("Technician", 200), ("Billing", 200)]:
        client.force_login(make_user(role.lower(), role=role))
        assert client.get(reverse("usage:upload_detail", args=[job.pk])).status_code == expected
    client.force_login(make_user("support2", role="Support"))
    response = client.post(
        reverse("usage:index"),
        {"file": SimpleUploadedFile(NAME, SAMPLE.read_bytes()), "format": "vnstat"},
    )
    assert response.status_code == 404
    assert UsageUpload.objects.count() == 1


def test_a_faulty_upload_fails_in_the_worker_naming_the_line_and_saves_nothing(admin_client):
    # given an MRTG log with a broken number in line 2
    data = b"1715677502 1 2\n1715677502 67x 46 67 46\n"
    # when it is uploaded and the worker has run
    response = admin_client.post(
        reverse("usage:index"), {"file": SimpleUploadedFile("sw1.log", data), "format": "mrtg"}
    )
    assert run_queued_tasks() == 1
    # then the job failed with file, line and field, saved nothing and removed its file
    job = UsageUpload.objects.get()
    assert (job.status, job.error) == (
        "failed",
        "sw1.log, line 2, field 'avg_in': '67x' is not a number",
    )
    assert (UsageImport.objects.count(), UsageRecord.objects.count()) == (0, 0)
    assert not default_storage.exists(job.path)
    page = admin_client.get(response["Location"]).content.decode()
    assert 'data-status="failed"' in page and "hx-trigger" not in page
    assert "Nichts importiert: sw1.log, line 2" in page
    # and the import list still leads to it
    listed = admin_client.get(reverse("usage:index")).content.decode()
    open_uploads = listed.split('data-testid="open-uploads"', 1)[1].split("</ul>", 1)[0]
    assert reverse("usage:upload_detail", args=[job.pk]) in open_uploads
