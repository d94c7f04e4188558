"""GoBD retention of stored documents (PDFs now, e-invoice XML later).

An issued invoice or cancellation invoice must be kept unaltered for ten years (§147 AO,
§14b UStG), counted from the end of the calendar year in which it was issued: a document of
any day in 2026 may go on 1 January 2037 at the earliest. Every code path that deletes a
stored file goes through :func:`stored_document_delete`, which refuses while an issued
document that refers to the file is still within that period. Files no issued document
refers to (left by a rolled-back issue) may go.
"""

from datetime import date

from django.core.files.storage import default_storage
from django.utils import timezone

from .models import Invoice

RETENTION_YEARS = 10


class RetentionError(Exception):
    """The file belongs to a document that must still be kept."""


def retention_ends(issued_on: date) -> date:
    """The last day a document issued on ``issued_on`` must be kept."""
    return date(issued_on.year + RETENTION_YEARS, 12, 31)


def stored_document_delete(name: str, *, today: date | None = None) -> None:
    """Delete the stored file ``name`` unless a document under retention refers to it."""
    today = today or timezone.localdate()
    issued = (
        Invoice.objects.filter(pdf=name)
        .exclude(status=Invoice.Status.DRAFT)
        .values_list("number", "invoice_date", "run_date")
    )
    for number, invoice_date, run_date in issued:
        kept_until = retention_ends(invoice_date or run_date)
        if today <= kept_until:
            raise RetentionError(
                f"{name} is the stored document of {number}, which must be kept until "
                f"{kept_until.isoformat()} (GoBD retention); it is not deleted"
            )
    default_storage.delete(name)
