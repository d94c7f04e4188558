"""The same tasks run on Redis-backed RQ workers when HOSTKONTOR_TASK_BACKEND=rq."""

import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings

from hostkontor.testing.services import require_service

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def manage(*args: str, env: dict) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args, "--verbosity", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.services
def test_a_task_runs_through_a_redis_worker(tmp_path):
    try:
        socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=2).close()
    except OSError as error:
        require_service("redis", f"{REDIS_HOST}:{REDIS_PORT}: {error}")
    # given the Redis backend (database 15, emptied) and its own var/ directory
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        HOSTKONTOR_TASK_BACKEND="rq",
        HOSTKONTOR_REDIS_URL=f"redis://{REDIS_HOST}:{REDIS_PORT}/15",
        HOSTKONTOR_VAR_DIR=str(tmp_path),
    )
    manage("shell", "-c", "import django_rq; django_rq.get_connection().flushdb()", env=env)
    # when a task is enqueued and an RQ worker drains the queue
    task_id = manage(
        "shell",
        "-c",
        "from hostkontor.core.tasks import echo; print(echo.enqueue('über Redis').id)",
        env=env,
    ).strip()
    manage("rqworker", "default", "--burst", "--job-class", "django_tasks_rq.Job", env=env)
    # then the result is stored with the task's return value
    outcome = manage(
        "shell",
        "-c",
        f"from hostkontor.core.tasks import echo; r = echo.get_result({task_id!r}); print(r.status, r.return_value)",
        env=env,
    )
    assert outcome.strip() == "SUCCESSFUL über Redis"
