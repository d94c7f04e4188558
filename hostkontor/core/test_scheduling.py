from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus

from .models import ScheduledRun
from .scheduling import PeriodicJob, register_job, scheduler_tick
from .tasks import echo


def test_slot_is_the_start_of_the_current_interval():
    job = PeriodicJob(name="x", task=echo, every=timedelta(days=1), offset=timedelta(hours=3))
    assert job.slot(datetime(2026, 11, 27, 2, 59, tzinfo=UTC)) == datetime(
        2026, 11, 26, 3, 0, tzinfo=UTC
    )
    assert job.slot(datetime(2026, 11, 27, 3, 0, tzinfo=UTC)) == datetime(
        2026, 11, 27, 3, 0, tzinfo=UTC
    )


@pytest.mark.django_db
def test_a_slot_is_enqueued_once_however_often_the_scheduler_ticks():
    # given the core's daily job
    now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
    # when the scheduler ticks three times within the same slot
    first = scheduler_tick(now=now)
    second = scheduler_tick(now=now + timedelta(minutes=5))
    third = scheduler_tick(now=now + timedelta(hours=1))
    # then the job was enqueued exactly once
    assert "core.prune_scheduler_ledger" in first
    assert "core.prune_scheduler_ledger" not in second + third
    assert ScheduledRun.objects.filter(job="core.prune_scheduler_ledger").count() == 1
    # and the next day's slot enqueues again
    assert "core.prune_scheduler_ledger" in scheduler_tick(now=now + timedelta(days=1))


@pytest.mark.django_db(transaction=True)
def test_a_task_runs_through_the_database_worker():
    # given a task enqueued on the database backend
    result = echo.enqueue("hallo")
    assert result.status == TaskResultStatus.READY
    # when the real worker processes the queue
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    # then the task ran and its return value is stored
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == "hallo"


@pytest.mark.django_db(transaction=True)
def test_scheduled_job_is_executed_by_the_worker():
    # given a job registered for the test
    register_job(PeriodicJob(name="test.echo", task=echo, every=timedelta(minutes=5)))
    # when the scheduler ticks and the worker runs
    scheduler_tick(now=datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    # then the enqueued task finished successfully
    run = ScheduledRun.objects.get(job="test.echo")
    result = echo.get_result(run.task_result_id)
    assert (result.status, result.return_value) == (TaskResultStatus.SUCCESSFUL, "ok")
