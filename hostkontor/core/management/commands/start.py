"""``make run``: prepare the embedded default and run web server, worker and scheduler.

Migrates, creates the first administrator, collects static files, then starts gunicorn, the
database task worker and the scheduler as child processes and stops them all together on
Ctrl-C. The real install starts empty; only in demo mode (``HOSTKONTOR_DEMO=1``, ``make demo``,
its own database) does the first start load the demo data.
"""

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from hostkontor.accounts.services import admin_ensure
from hostkontor.customers.models import Customer
from hostkontor.demo.leftovers import demo_leftovers_warning
from hostkontor.vault.keys import ensure_embedded_key


class Command(BaseCommand):
    help = "Run Hostkontor: web server, background worker and scheduler (the embedded default)."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("HOSTKONTOR_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("HOSTKONTOR_WEB_WORKERS", "2"))
        )
        parser.add_argument(
            "--timeout",
            type=int,
            default=int(os.environ.get("HOSTKONTOR_WEB_TIMEOUT", "60")),
            help="seconds before gunicorn restarts a silent web worker (HOSTKONTOR_WEB_TIMEOUT)",
        )

    def handle(self, *, bind: str, workers: int, timeout: int, **options):
        key_file = ensure_embedded_key()
        call_command("migrate", interactive=False, verbosity=0)
        first_start = not Customer.objects.exists()
        admin_ensure(username="admin", email="admin@localhost", password=self._admin_password())
        if first_start and settings.DEMO:
            call_command("demo_data")
        leftovers = demo_leftovers_warning()
        call_command("collectstatic", interactive=False, verbosity=0)
        python = sys.executable
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        commands = {
            "web": [
                python,
                "-m",
                "gunicorn",
                "hostkontor.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(workers),
                "--timeout",
                str(timeout),
                "--access-logfile",
                "-",
            ],
            "scheduler": [python, manage, "run_scheduler"],
        }
        if settings.TASK_BACKEND == "database":
            commands["worker"] = [python, manage, "db_worker", "--queue-name", "*", "--no-reload"]
        else:
            commands["worker"] = [
                python,
                manage,
                "rqworker",
                "default",
                "--job-class",
                "django_tasks_rq.Job",
            ]
        children = {
            name: subprocess.Popen(cmd, cwd=settings.BASE_DIR) for name, cmd in commands.items()
        }
        time.sleep(1.5)
        self.stdout.write(
            self.style.SUCCESS(
                f"\nHostkontor runs at http://{bind}/\n"
                f"Log in as admin with the password stored in {self._password_file()}\n"
                f"Database: {settings.DATABASES['default']['NAME']} · processes: {', '.join(children)}\n"
                f"Web: {workers} gunicorn workers, timeout {timeout} s\n"
                + (
                    "DEMO mode: demo data in its own database, marked Demo on every page and "
                    "document. The real install: make run\n"
                    if settings.DEMO
                    else "To try Hostkontor with demo data: make demo (its own database)\n"
                )
                + (
                    f"Vault key (customer passwords): {key_file} — back it up, never commit it\n"
                    if key_file
                    else "Vault key: from HOSTKONTOR_VAULT_KEYS\n"
                )
                + "Stop with Ctrl-C.\n"
            )
        )
        if leftovers:
            self.stdout.write(self.style.WARNING(leftovers))
        stop = {"now": False}

        def on_signal(signum, frame):
            stop["now"] = True

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        try:
            while not stop["now"]:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with {child.returncode}; stopping")
                        stop["now"] = True
                time.sleep(0.5)
        finally:
            for child in children.values():
                if child.poll() is None:
                    child.terminate()
            for child in children.values():
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()

    def _password_file(self) -> Path:
        return Path(settings.VAR_DIR) / "admin-password"

    def _admin_password(self) -> str:
        path = self._password_file()
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        password = secrets.token_urlsafe(12)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password + "\n")
        return password
