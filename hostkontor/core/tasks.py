"""Housekeeping tasks of the core."""

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from .models import ScheduledRun


@task()
def prune_scheduler_ledger(keep_days: int = 90) -> int:
    """Forget scheduler slots older than ``keep_days`` (they only guard against doubles)."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _ = ScheduledRun.objects.filter(slot__lt=cutoff).delete()
    return deleted


@task()
def echo(value: str = "ok") -> str:
    """Returns its argument: lets an admin (and the tests) see that a worker processes tasks."""
    return value
