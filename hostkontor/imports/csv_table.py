"""Reading a CSV table with a fixed set of named columns (customers, contracts).

UTF-8 with or without BOM, ``;`` or ``,`` as separator (whichever the header line uses
more), header names in any order and case. Every problem is collected with file, line and
column, so an import can report all of them and save nothing.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import ImportFormatError

MAX_REPORTED_ERRORS = 50


class ImportErrors(Exception):
    """Every problem found in one file; the import saved nothing."""

    def __init__(self, errors: Sequence[ImportFormatError]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def row_error(filename: str, line: int, field: str, message: str) -> ImportFormatError:
    return ImportFormatError(filename, f"line {line}", field, message)


def decode_utf8(data: bytes, filename: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ImportErrors(
            [row_error(filename, line, "(encoding)", "is not valid UTF-8 (save the file as UTF-8)")]
        ) from None


def _duplicate_columns(header: list[str], filename: str) -> list[ImportFormatError]:
    """A column named twice is refused: which of the two cells to read would be a guess."""
    first: dict[str, int] = {}
    errors = []
    for position, name in enumerate(header, 1):
        if name and name in first:
            errors.append(
                ImportFormatError(
                    filename,
                    "line 1",
                    None,
                    f"column {name!r} appears twice (columns {first[name]} and {position})",
                )
            )
        first.setdefault(name, position)
    return errors


def too_long(value: str, max_length: int | None) -> str | None:
    """The error for a cell longer than its database column, or None."""
    if max_length is None or len(value) <= max_length:
        return None
    return f"is {len(value):,} characters long, at most {max_length:,} are allowed"


def max_lengths(model) -> dict[str, int]:
    """``{field name: max_length}`` of the model's text columns, read from the model."""
    return {
        f.name: f.max_length
        for f in model._meta.concrete_fields
        if f.get_internal_type() == "CharField" and f.max_length
    }


@dataclass(frozen=True)
class TableRow:
    line: int
    values: dict[str, str]  # known column -> stripped cell


def read_csv_table(
    data: bytes,
    filename: str,
    *,
    columns: Sequence[str],
    required_columns: Sequence[str],
    allow_unknown_columns: bool = True,
) -> tuple[list[TableRow], list[ImportFormatError]]:
    """The rows and the row-level errors; header problems raise :class:`ImportErrors`."""
    text = decode_utf8(data, filename)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ImportErrors([row_error(filename, 1, "(header)", "the file is empty")]) from None
    errors = _duplicate_columns(header, filename) + [
        row_error(filename, 1, c, "column is missing from the header")
        for c in required_columns
        if c not in header
    ]
    if not allow_unknown_columns:
        errors += [
            row_error(
                filename, 1, h or "(empty)", f"unknown column (expected: {', '.join(columns)})"
            )
            for h in header
            if h not in columns
        ]
    if errors:
        raise ImportErrors(errors)
    index = {name: header.index(name) for name in columns if name in header}
    rows: list[TableRow] = []
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                errors.append(
                    row_error(
                        filename,
                        line,
                        "(row)",
                        f"has {len(row)} fields, the header has {len(header)}",
                    )
                )
                continue
            rows.append(TableRow(line, {name: row[i].strip() for name, i in index.items()}))
    except csv.Error as error:
        errors.append(row_error(filename, reader.line_num, "(row)", f"is not valid CSV ({error})"))
    return rows, errors
