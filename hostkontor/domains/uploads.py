"""Registrar lists uploaded in the web: staged encrypted, reconciled by the worker.

A registrar export can hold auth codes, so it never lies in plain text in storage, and a web
request never holds it whole in memory: ``stage_file`` encrypts the upload (which Django's
upload handlers have already spooled to a temporary file when it is large) chunk by chunk
(1 MiB) with the vault keyring, one token per line. Each chunk's associated data binds it to
the job, its position and whether it is the last one, so chunks cannot be reordered, moved to
another job or cut off unnoticed.

The worker (``tasks.process_registrar_upload``) decrypts the staged file and runs the same
all-or-nothing ``registrar_import`` as the command. The parsers need the whole document, so
the worker holds the file (a few times its size while parsing); the upload limit bounds that.
The staged file is deleted when the job ends (done or failed), so key rotation never meets it.

Downloading a stored file is a separate, permission-checked and audited action
(``registrar_import_file_download``): the file may hold auth codes.
"""

from __future__ import annotations

import base64
import secrets
import tempfile
from collections.abc import Iterable, Iterator

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext as _

from hostkontor.core.audit import audit_record
from hostkontor.imports.errors import ImportFormatError, MappingError
from hostkontor.vault.crypto import VaultError, aad_for
from hostkontor.vault.keys import ensure_embedded_key, get_keyring

from .models import RegistrarImport, RegistrarMapping, RegistrarUpload
from .reconciliation import EmptyRegistrarFile, registrar_import, registrar_import_file

CHUNK = 1024 * 1024
STAGE_DIR = "registrar-uploads"
_TABLE = "domains_registrarupload"


class StagedFileError(VaultError):
    """The staged file is incomplete or does not belong to the job."""


def _chunk_aad(job_pk: int, index: int, last: bool) -> str:
    return aad_for(_TABLE, job_pk, f"chunk{index}" + ("-last" if last else ""))


def _with_last(items: Iterable[bytes]) -> Iterator[tuple[int, bytes, bool]]:
    """(index, item, is_last) with one item of look-ahead; an empty input gives one b""."""
    iterator = iter(items)
    current = next(iterator, b"")
    index = 0
    for following in iterator:
        yield index, current, False
        current, index = following, index + 1
    yield index, current, True


def stage_file(job: RegistrarUpload, chunks: Iterable[bytes]) -> str:
    """Encrypt ``chunks`` into the default storage; returns the stored name."""
    ensure_embedded_key()
    keyring = get_keyring()
    name = f"{STAGE_DIR}/{job.pk}-{secrets.token_hex(8)}.sealed"
    with tempfile.TemporaryFile() as sealed:
        for index, chunk, last in _with_last(chunks):
            token = keyring.encrypt(
                base64.b64encode(chunk).decode("ascii"), _chunk_aad(job.pk, index, last)
            )
            sealed.write(token.encode("ascii") + b"\n")
        sealed.seek(0)
        return default_storage.save(name, File(sealed, name=name))


def read_staged(job: RegistrarUpload) -> bytes:
    """The uploaded file, decrypted (raises ``VaultError`` if it was cut off or swapped)."""
    keyring = get_keyring()
    parts: list[bytes] = []
    with default_storage.open(job.path, "rb") as sealed:
        lines = (line.strip() for line in sealed if line.strip())
        for index, line, last in _with_last(lines):
            if not line:
                raise StagedFileError("the staged file is empty")
            token = line.decode("ascii")
            parts.append(
                base64.b64decode(keyring.decrypt(token, _chunk_aad(job.pk, index, last)).reveal())
            )
    return b"".join(parts)


@transaction.atomic
def registrar_upload_create(
    *,
    actor,
    upload,
    registrar: str,
    format: str | None,  # noqa: A002
    mapping: RegistrarMapping | None,
    apply: str | None,
    allow_empty: bool,
) -> RegistrarUpload:
    """Store an uploaded registrar list for the worker (the caller enqueues the task)."""
    job = RegistrarUpload.objects.create(
        registrar=registrar.strip()[:64],
        format=format or "",
        mapping=mapping,
        apply=apply or "",
        allow_empty=allow_empty,
        filename=upload.name[:255],
        size=upload.size,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    job.path = stage_file(job, upload.chunks(CHUNK))
    job.save(update_fields=["path"])
    audit_record(
        actor=actor,
        action="registrar_upload.queued",
        obj=job,
        changes={"file": ["", job.filename], "size": ["", str(job.size)]},
    )
    return job


def _error_text(job: RegistrarUpload, error: Exception) -> str:
    if isinstance(error, EmptyRegistrarFile):
        return _(
            "%(file)s: the file contains no domain records. Imported as it is, every domain "
            "of %(registrar)s would be marked as missing at the registrar. Upload it again "
            "with “The list is really empty” ticked if that is right."
        ) % {"file": job.filename, "registrar": job.registrar}
    if isinstance(error, MappingError):
        return _("Mapping: %(error)s") % {"error": error}
    if isinstance(error, VaultError):
        return _("Vault key: %(error)s") % {"error": error}
    return str(error)


def registrar_upload_process(*, job_id: int) -> RegistrarUpload:
    """Reconcile a staged upload (the worker's part). A job runs once: a task delivered twice
    finds it no longer queued and leaves it alone."""
    claimed = RegistrarUpload.claim(job_id)
    job = RegistrarUpload.objects.select_related("created_by", "mapping").get(pk=job_id)
    if not claimed:
        return job
    try:
        data = read_staged(job)
        job.progress_to(40)
        imp = registrar_import(
            actor=job.created_by,
            registrar=job.registrar,
            data=data,
            filename=job.filename,
            format=job.format or None,
            mapping_obj=job.mapping,
            apply=job.apply or None,
            allow_empty=job.allow_empty,
        )
    except (ImportFormatError, MappingError, VaultError, ValueError) as error:
        job.finish(status=RegistrarUpload.Status.FAILED, error=_error_text(job, error))
    except Exception as error:
        job.finish(status=RegistrarUpload.Status.FAILED, error=f"{type(error).__name__}")
        raise
    else:
        job.finish(
            status=RegistrarUpload.Status.DONE,
            progress=100,
            records=imp.records,
            registrar_import=imp,
        )
    job.refresh_from_db()
    return job


def registrar_import_file_download(*, actor, registrar_import: RegistrarImport, ip_address=None):
    """The stored file of an import, decrypted; every download is audited (auth codes)."""
    data = registrar_import_file(registrar_import)
    audit_record(
        actor=actor,
        action="registrar_import.file_downloaded",
        obj=registrar_import,
        changes={"file": ["", registrar_import.filename]},
        ip_address=ip_address,
    )
    return data
