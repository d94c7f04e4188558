"""Usage files uploaded in the web: stored in the request, imported by the worker.

The request never reads the file (up to 512 MB): Django's upload handlers spool a large
upload to a temporary file, and ``default_storage.save`` moves that file (or copies a small
one in chunks) into the storage. The worker (``tasks.process_usage_upload``) runs the same
all-or-nothing ``usage_import`` as ``import_usage``: a bad file fails the job with file, line
and field and saves nothing. The parsers take the whole file, so the worker holds it in
memory while importing; the web server does not. The stored file is deleted when the job
ends.
"""

from __future__ import annotations

import secrets

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from hostkontor.core.audit import audit_record
from hostkontor.imports import ImportFormatError, MappingError

from .models import UsageMapping, UsageUpload
from .parsers import UsageFormatError
from .services import usage_import

STAGE_DIR = "usage-uploads"


@transaction.atomic
def usage_upload_create(
    *,
    actor,
    upload,
    format: str | None,
    mapping: UsageMapping | None,  # noqa: A002
) -> UsageUpload:
    """Store an uploaded usage file for the worker (the caller enqueues the task)."""
    job = UsageUpload.objects.create(
        format=format or "",
        mapping=mapping,
        filename=upload.name[:255],
        size=upload.size,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # our own name: the user's file name never becomes a path
    job.path = default_storage.save(f"{STAGE_DIR}/{job.pk}-{secrets.token_hex(8)}", upload)
    job.save(update_fields=["path"])
    audit_record(
        actor=actor,
        action="usage_upload.queued",
        obj=job,
        changes={"file": ["", job.filename], "size": ["", str(job.size)]},
    )
    return job


def _import(job: UsageUpload):
    if not job.format and job.mapping is None:
        raise MappingError("", _("the import format was deleted after the upload"))
    with default_storage.open(job.path, "rb") as stored:
        data = stored.read()
    job.progress_to(40)
    return usage_import(
        actor=job.created_by,
        data=data,
        filename=job.filename,
        format=job.format or None,
        mapping=job.mapping,
    )


def usage_upload_process(*, job_id: int) -> UsageUpload:
    """Import a stored upload (the worker's part). A job runs once: a task delivered twice
    finds it no longer queued and leaves it alone."""
    claimed = UsageUpload.claim(job_id)
    job = UsageUpload.objects.select_related("created_by", "mapping").get(pk=job_id)
    if not claimed:
        return job
    try:
        record = _import(job)
    except (UsageFormatError, ImportFormatError) as error:
        job.finish(status=UsageUpload.Status.FAILED, error=str(error))
    except MappingError as error:
        message = _("Import format: %(error)s") % {"error": error}
        job.finish(status=UsageUpload.Status.FAILED, error=message)
    except Exception as error:
        job.finish(status=UsageUpload.Status.FAILED, error=type(error).__name__)
        raise
    else:
        job.finish(
            status=UsageUpload.Status.DONE,
            progress=100,
            records=record.records_read,
            usage_import=record,
        )
    job.refresh_from_db()
    return job
