"""A file uploaded in the web and handled by the worker (registrar lists, usage files).

The request only stores the file at ``path`` in the default storage and queues a task; the
worker parses it, links what it made, or keeps the error (file, line, field) and applies
nothing. Each app keeps its own concrete model (with its own result link and options), so
no app learns about another's imports; this base holds what every such job shares.
"""

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UploadJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    filename = models.CharField(_("file"), max_length=255)
    size = models.PositiveBigIntegerField(default=0)
    path = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    @classmethod
    def claim(cls, pk: int) -> bool:
        """Queued → running, exactly once: a task delivered twice finds nothing to claim."""
        claimed = cls.objects.filter(pk=pk, status=cls.Status.QUEUED).update(
            status=cls.Status.RUNNING, progress=10
        )
        return bool(claimed)

    def progress_to(self, percent: int) -> None:
        type(self).objects.filter(pk=self.pk).update(progress=percent)

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    def finish(self, **values) -> None:
        """End the job with ``values`` (status, error, result link) and drop the staged file:
        it was only the worker's input, the import keeps what must be kept."""
        values.setdefault("finished_at", timezone.now())
        type(self).objects.filter(pk=self.pk).update(**values)
        if self.path:
            default_storage.delete(self.path)
