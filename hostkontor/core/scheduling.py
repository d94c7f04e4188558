"""Periodic jobs, enqueued exactly once per time slot.

Apps register jobs (a task and an interval). :func:`scheduler_tick` computes each job's
current slot and inserts a ``ScheduledRun`` row for it; only the process whose insert wins
enqueues the task, so any number of schedulers or cron calls can tick at the same time.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction

from .models import ScheduledRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: object  # a django_tasks Task
    every: timedelta
    offset: timedelta = timedelta(0)  # e.g. daily at 02:00 UTC: every=1 day, offset=2 h
    enabled: object = None  # optional callable () -> bool, read at tick time

    def slot(self, now: datetime) -> datetime:
        epoch = datetime(2000, 1, 1, tzinfo=UTC) + self.offset
        periods = (now - epoch) // self.every
        return epoch + periods * self.every


_jobs: dict[str, PeriodicJob] = {}


def register_job(job: PeriodicJob) -> None:
    _jobs[job.name] = job


def registered_jobs() -> list[PeriodicJob]:
    return sorted(_jobs.values(), key=lambda j: j.name)


def scheduler_tick(*, now: datetime) -> list[str]:
    """Enqueue every job whose current slot has no run yet. Returns the enqueued job names."""
    enqueued = []
    for job in registered_jobs():
        if job.enabled is not None and not job.enabled():
            continue
        slot = job.slot(now)
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(job=job.name, slot=slot)
                result = job.task.enqueue()
                run.task_result_id = str(result.id)
                run.save(update_fields=["task_result_id"])
        except IntegrityError:
            continue  # another scheduler took this slot
        logger.info("scheduled %s for slot %s", job.name, slot.isoformat())
        enqueued.append(job.name)
    return enqueued
