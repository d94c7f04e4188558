"""The command-line convention of every import command, and its one way to report a bad file.

Every command: ``--format json|text`` chooses the output. Import commands choose their parser
with ``--input-format NAME``, a mapping with ``--mapping-file F.toml`` (or ``--mapping NAME``
where mappings are stored). For one release the import commands still accept the old
spelling with a deprecation warning on stderr: ``--format NAME`` with an input format name
(none is called ``json`` or ``text``, so the two meanings never collide) and
``--format-out json|text`` for ``--format``.
"""

import argparse
from pathlib import Path

from django.core.management.base import CommandError

from hostkontor.imports.errors import file_errors_text

OUTPUT_FORMATS = ("text", "json")


def add_output_format(parser) -> None:
    parser.add_argument(
        "--format",
        metavar="{text,json}",
        default=None,
        help="output: text (default) or json (an input format name here is deprecated: "
        "use --input-format)",
    )
    parser.add_argument("--format-out", default=None, help=argparse.SUPPRESS)  # deprecated


def add_input_source(parser, *, input_formats, mapping_help: str, stored: bool) -> None:
    """``--input-format`` / ``--mapping-file`` (/ ``--mapping``): exactly one is required,
    checked by :func:`formats_resolve` (the deprecated ``--format NAME`` counts too)."""
    parser.add_argument("--input-format", choices=sorted(input_formats), help="built-in format")
    parser.add_argument("--mapping-file", help=mapping_help)
    if stored:
        parser.add_argument("--mapping", help="name of a mapping stored in Hostkontor")


def formats_resolve(options: dict, *, input_formats, stderr) -> tuple[str | None, str]:
    """(input format or None, output format) from the options, old spellings included."""
    given, output, old_output = options["format"], None, options.get("format_out")
    input_format = options["input_format"]
    if given in OUTPUT_FORMATS:
        output = given
    elif given is not None:
        if given not in input_formats:
            raise CommandError(
                f"--format {given!r}: choose json or text (input formats, given with "
                f"--input-format: {', '.join(sorted(input_formats))})"
            )
        if input_format is not None:
            raise CommandError(
                f"--format {given} and --input-format {input_format}: give the input format "
                "once, with --input-format (--format chooses the output: json or text)"
            )
        stderr.write(
            f"warning: --format {given} is deprecated, use --input-format {given} "
            "(--format now chooses the output: json or text)"
        )
        input_format = given
    if input_format is not None and input_format not in input_formats:
        raise CommandError(
            f"--input-format {input_format!r}: choose one of {', '.join(sorted(input_formats))}"
        )
    if old_output is not None:
        if output is not None:
            raise CommandError("--format-out is the old name of --format; give only --format")
        if old_output not in OUTPUT_FORMATS:
            raise CommandError(f"--format-out {old_output!r}: choose json or text")
        stderr.write(f"warning: --format-out is deprecated, use --format {old_output}")
        output = old_output
    sources = [input_format, options["mapping_file"], options.get("mapping")]
    if sum(source is not None for source in sources) != 1:
        names = "--input-format, --mapping-file" + (", --mapping" if "mapping" in options else "")
        raise CommandError(f"give exactly one of {names}")
    return input_format, output or "text"


def read_input(path: str | Path) -> bytes:
    """The file's bytes; an unreadable file is a command error naming it as given."""
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise CommandError(f"{path}: cannot read the file ({error.strerror or error})") from None


def bad_file(errors, *, filename: str, shown_as: str | Path) -> CommandError:
    """``nothing imported:`` and one ``FILE, line N, field 'F': message`` line per error,
    FILE as the user typed it (``filename``: the name the service was given)."""
    text = file_errors_text(errors, filename=filename, shown_as=str(shown_as))
    return CommandError(f"nothing imported:\n{text}")
