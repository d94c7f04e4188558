"""import_registrar's options: --input-format/--format (docs/imports.md), the old spelling
for one release, English output."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from .conftest import SAMPLES, SAMPLES_DIR
from .models import RegistrarImport

pytestmark = pytest.mark.django_db

JOKER = str(SAMPLES_DIR / SAMPLES["joker"])


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_registrar", JOKER, "--registrar", "joker", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_input_format_and_format_json_as_documented(demo):
    # when the list is imported with the documented flags
    out, err = run("--input-format", "joker", "--format", "json")
    # then the JSON reconciliation is printed and nothing is said on stderr
    assert (json.loads(out)["registrar"], json.loads(out)["records"], err) == ("joker", 6, "")


def test_the_old_flags_still_work_with_a_deprecation_warning(demo):
    # given the result of the new flags
    new, _err = run("--input-format", "joker", "--format", "json")
    # when the same list is imported with last release's flags
    old, err = run("--format", "joker", "--format-out", "json")
    # then the result is the same and stderr says what to write instead
    assert json.loads(old) == json.loads(new)
    assert err.splitlines() == [
        "warning: --format joker is deprecated, use --input-format joker (--format now "
        "chooses the output: json or text)",
        "warning: --format-out is deprecated, use --format json",
    ]


def test_an_input_format_in_format_and_input_format_is_refused(demo):
    # when both name an input format
    with pytest.raises(CommandError) as excinfo:
        run("--input-format", "joker", "--format", "gandi")
    # then the command says which flag means what, and imports nothing
    assert str(excinfo.value) == (
        "--format gandi and --input-format joker: give the input format once, with "
        "--input-format (--format chooses the output: json or text)"
    )
    assert RegistrarImport.objects.count() == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--format", "xml"),
            "--format 'xml': choose json or text (input formats, given with --input-format: "
            "autodns, gandi, hexonet, joker, namecheap)",
        ),
        (
            ("--input-format", "joker", "--format", "json", "--format-out", "json"),
            "--format-out is the old name of --format; give only --format",
        ),
        (("--format", "json"), "give exactly one of --input-format, --mapping-file, --mapping"),
        (
            ("--input-format", "joker", "--mapping", "x"),
            "give exactly one of --input-format, --mapping-file, --mapping",
        ),
    ],
)
def test_unclear_flags_are_refused(demo, args, message):
    with pytest.raises(CommandError) as excinfo:
        run(*args)
    assert str(excinfo.value) == message
    assert RegistrarImport.objects.count() == 0


def test_an_unreadable_file_is_named_as_given(demo):
    with pytest.raises(CommandError) as excinfo:
        call_command("import_registrar", "nirgends.txt", registrar="joker", input_format="joker")
    assert str(excinfo.value) == "nirgends.txt: cannot read the file (No such file or directory)"


def test_the_text_report_is_english_whatever_language_is_active(demo):
    # given German as the active language (the installation's default)
    with translation.override("de"):
        # when the text report is printed
        out = StringIO()
        call_command(
            "import_registrar",
            str(SAMPLES_DIR / SAMPLES["gandi"]),
            registrar="gandi",
            input_format="gandi",
            stdout=out,
        )
    # then its headings are English, as the README promises for every command
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines if not line.startswith(" ")][1:] == [
        "At the registrar, not in Hostkontor",
        "In Hostkontor, not at the registrar",
        "Expiry date differs",
        "Status differs",
        "Unbilled (no running contract)",
        "Contract ended, but renewing at the registrar",
    ]
