"""The engine stays pure: no Django, no clock."""

import json
import pathlib
import re
import subprocess
import sys

ENGINE = pathlib.Path(__file__).parent


def test_engine_imports_without_django():
    # given a fresh interpreter / when importing the engine
    code = "import json, sys, hostkontor.billing.engine; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ENGINE.parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    loaded = json.loads(result.stdout)
    # then nothing from Django and no other app of the project is loaded
    assert [m for m in loaded if m == "django" or m.startswith("django.")] == []
    ours = {m for m in loaded if m == "hostkontor" or m.startswith("hostkontor.")}
    assert ours - {"hostkontor", "hostkontor.billing"} == {
        f"hostkontor.billing.engine{suffix}"
        for suffix in ["", ".drafts", ".money", ".months", ".periods", ".tax", ".terms"]
    }


def test_engine_never_reads_the_clock():
    # given the engine's modules (not the tests) / then none asks for today's date or time
    clock = re.compile(r"\b(today|now|utcnow|time\.time)\s*\(")
    offenders = [
        path.name
        for path in ENGINE.glob("*.py")
        if not path.name.startswith("test_") and clock.search(path.read_text())
    ]
    assert offenders == []
