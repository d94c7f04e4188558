"""import_usage's options: --input-format/--format (docs/usage.md), the old spelling for one
release, and bad files named as the user typed them."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from .models import UsageImport

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "parsers" / "fixtures" / "vnstat_json_d_eth0.json"


def run(*args: str) -> tuple[dict, str]:
    out, err = StringIO(), StringIO()
    call_command("import_usage", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def test_input_format_and_format_json_as_documented():
    # when a vnstat export is imported with the documented flags
    report, err = run("--input-format", "vnstat", str(SAMPLE), "--format", "json")
    # then the JSON report is printed and nothing is said on stderr
    assert (report["format"], report["records_read"], report["new"], err) == ("vnstat", 28, 28, "")


def test_the_old_flags_still_work_with_a_deprecation_warning():
    # when the export is imported with last release's flags
    report, err = run("--format", "vnstat", str(SAMPLE), "--format-out", "json")
    # then it is read as vnstat and reported as JSON, and stderr says what to write instead
    assert (report["format"], report["records_read"], report["new"]) == ("vnstat", 28, 28)
    assert err.splitlines() == [
        "warning: --format vnstat is deprecated, use --input-format vnstat (--format now "
        "chooses the output: json or text)",
        "warning: --format-out is deprecated, use --format json",
    ]
    # and a second import with the new flags finds the same records
    again, _err = run("--input-format", "vnstat", "--format", "json", str(SAMPLE))
    assert (again["records_read"], again["new"], again["duplicate"]) == (28, 0, 28)


def test_an_input_format_in_format_and_input_format_is_refused():
    with pytest.raises(CommandError) as excinfo:
        run("--input-format", "vnstat", "--format", "mrtg", str(SAMPLE))
    assert str(excinfo.value) == (
        "--format mrtg and --input-format vnstat: give the input format once, with "
        "--input-format (--format chooses the output: json or text)"
    )
    assert UsageImport.objects.count() == 0


def test_no_source_is_refused():
    with pytest.raises(CommandError) as excinfo:
        run(str(SAMPLE), "--format", "json")
    assert str(excinfo.value) == "give exactly one of --input-format, --mapping-file"


def test_a_bad_file_is_named_as_the_user_typed_it(tmp_path, monkeypatch):
    # given a vnstat export of an unsupported version in the current directory
    (tmp_path / "eth0.json").write_text('{"vnstatversion": "2.9", "interfaces": 1}\n')
    monkeypatch.chdir(tmp_path)
    # when it is imported by its relative name
    with pytest.raises(CommandError) as excinfo:
        run("--input-format", "vnstat", "eth0.json")
    # then the error names it that way, and nothing is saved
    assert str(excinfo.value) == (
        "nothing imported:\neth0.json, document, field 'jsonversion': 'None' is not supported "
        "(only jsonversion 2)"
    )
    assert UsageImport.objects.count() == 0
