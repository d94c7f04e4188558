"""`make bench`: run every benchmark, each in fresh processes with its own SQLite file.

    python -m hostkontor.benchmarks            # all
    python -m hostkontor.benchmarks billing    # one

A benchmark is a module with ``STEPS`` (names of functions run one per process, in order,
against the same database file) and each step prints its own figures.
"""

import importlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

BENCHMARKS = {
    "billing": "hostkontor.billing.bench",
    "domains": "hostkontor.domains.bench",
    "usage": "hostkontor.usage.bench",
    "customers_import": "hostkontor.customers.bench",
    "contracts_import": "hostkontor.contracts.bench",
}


def run_step(module: str, step: str, db_file: Path) -> None:
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db_file}", HOSTKONTOR_LOG_LEVEL="WARNING")
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'hostkontor.settings'); "
        f"django.setup(); import importlib; importlib.import_module({module!r}).{step}()"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def main(names: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hostkontor.settings")
    import django

    django.setup()  # to read each benchmark's STEPS; the steps run in their own processes
    selected = names or list(BENCHMARKS)
    for name in selected:
        module = BENCHMARKS[name]
        try:
            steps = importlib.import_module(module).STEPS
        except ModuleNotFoundError:
            print(f"== {name}: not available")
            continue
        print(f"== {name}", flush=True)
        with tempfile.TemporaryDirectory(prefix=f"hostkontor-bench-{name}-") as tmp:
            db_file = Path(tmp) / "bench.sqlite3"
            env = dict(os.environ, DATABASE_URL=f"sqlite:///{db_file}")
            subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], env=env, check=True)
            for step in steps:
                run_step(module, step, db_file)


if __name__ == "__main__":
    main(sys.argv[1:])
