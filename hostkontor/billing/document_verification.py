"""Verify the stored documents against the SHA-256 recorded when they were issued (GoBD).

Each issued invoice and cancellation invoice records its PDF's SHA-256 in the same
transaction that stores the file; a file that is gone or whose bytes hash differently was
lost or changed outside Hostkontor. The check reads every file in chunks (no whole PDF in
memory) and reports, without changing anything.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.files.storage import default_storage

from .models import Invoice

_CHUNK = 64 * 1024


@dataclass(frozen=True)
class DocumentFinding:
    number: str
    path: str
    problem: str  # "missing" or "altered"


@dataclass
class VerificationReport:
    checked: int = 0
    ok: int = 0
    missing: int = 0
    altered: int = 0
    findings: list[DocumentFinding] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "checked": self.checked,
            "ok": self.ok,
            "missing": self.missing,
            "altered": self.altered,
            "findings": [
                {"number": f.number, "path": f.path, "problem": f.problem} for f in self.findings
            ],
        }


def _stored_sha256(path: str) -> str | None:
    """The file's SHA-256, or None when the storage has no such file."""
    digest = hashlib.sha256()
    try:
        with default_storage.open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(_CHUNK), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def _stored_documents() -> Iterator[tuple[str, str, str]]:
    documents = (
        Invoice.objects.exclude(pdf="")
        .exclude(status=Invoice.Status.DRAFT)
        .order_by("pk")
        .values_list("number", "pdf", "pdf_sha256")
    )
    return documents.iterator(chunk_size=500)


def documents_verify() -> VerificationReport:
    """Hash every stored document and compare it with the hash recorded at issue."""
    report = VerificationReport()
    for number, path, recorded in _stored_documents():
        report.checked += 1
        actual = _stored_sha256(path)
        if actual is None:
            report.missing += 1
            report.findings.append(DocumentFinding(number, path, "missing"))
        elif not recorded or actual != recorded:
            report.altered += 1
            report.findings.append(DocumentFinding(number, path, "altered"))
        else:
            report.ok += 1
    return report
