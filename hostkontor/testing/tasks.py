"""Run the tasks a test enqueued, the way the database worker runs them.

``call_command("db_worker", batch=True)`` needs a transactional test: the worker closes the
connection between tasks, which ends the transaction a plain ``django_db`` test runs in. This
helper claims and runs each ready task with the worker's own ``run_task`` (same result rows,
same success/failure bookkeeping) without that reconnect.
"""

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_queued_tasks() -> int:
    """Run every ready task (also those the tasks enqueue); returns how many ran."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    ran = 0
    while (result := DBTaskResult.objects.ready().order_by("enqueued_at").first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran
