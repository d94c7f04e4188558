"""Background work of the vault: bulk access-data sheets."""

from django_tasks import task

from .models import SheetBatch


@task()
def send_sheet_batch(batch_id: int) -> dict:
    """Make and mail the sheets of one batch (only its id travels through the queue)."""
    from .sheets import sheet_batch_execute

    batch = SheetBatch.objects.select_related("created_by").get(pk=batch_id)
    try:
        return sheet_batch_execute(batch=batch)
    except Exception:
        SheetBatch.objects.filter(pk=batch_id).update(status=SheetBatch.Status.FAILED)
        raise
