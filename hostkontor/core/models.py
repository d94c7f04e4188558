"""Cross-cutting records: the audit trail, number ranges and the scheduler's ledger."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One state change that matters: who did what to which object, when, from where.

    ``changes`` maps a field to ``[old, new]`` (strings as shown to people); secrets are
    never written here, only the fact that they changed.
    """

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255, blank=True)
    # The customer the object belongs to, so the customer hub shows one history of everything.
    customer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id", "-at"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"


class NumberSequence(models.Model):
    """The next counter value of a number range (customers, invoices, credit notes) per period.

    A row is locked while a number is taken, so numbers are gapless and strictly increasing
    even when several processes issue at once; the unique constraint guards the row itself.
    """

    range_code = models.CharField(max_length=32)
    period_key = models.CharField(max_length=16, blank=True)
    next_value = models.PositiveBigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["range_code", "period_key"], name="numbersequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.range_code}/{self.period_key or '-'}: {self.next_value}"


class ScheduledRun(models.Model):
    """The ledger of periodic jobs: one row per job and time slot, so a slot is enqueued once
    however many schedulers (or cron invocations) tick at the same time."""

    job = models.CharField(max_length=100)
    slot = models.DateTimeField()
    enqueued_at = models.DateTimeField(auto_now_add=True)
    task_result_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduledrun_unique")]
        ordering = ["-slot"]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M}"
