"""Errors raised by the import framework.

Both error types are pure Python (no Django) so that parsers and the mapping format can be
tested and reused without a configured project.
"""

from __future__ import annotations

__all__ = ["ImportFormatError", "MappingError", "file_errors_text", "show_value"]

_MAX_SHOWN = 60


def show_value(value: object) -> str:
    """Quote an offending input value for an error message, shortened and escaped.

    Only ever called for values of fields the importer actually reads; structural errors
    (wrong column count, undecodable bytes, malformed lines) never echo file content, so an
    auth code in an unmapped column cannot end up in a message or log.
    """
    text = value if isinstance(value, str) else str(value)
    if len(text) > _MAX_SHOWN:
        text = text[: _MAX_SHOWN - 1] + "…"
    return repr(text)


class ImportFormatError(ValueError):
    """An input file does not match the expected format.

    ``location`` is ``"line N"`` or ``"record N"`` (1-based) or ``None`` for problems that
    concern the whole file; ``field`` is the target field name or ``None``.

    ``str()`` reads like
    ``registrar.csv, line 7, field 'expires': '31.13.2026' is not a date in format dd.mm.yyyy``.
    """

    def __init__(self, file: str, location: str | None, field: str | None, message: str):
        self.file = file
        self.location = location
        self.field = field
        self.message = message
        super().__init__(file, location, field, message)

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.location:
            parts.append(self.location)
        if self.field:
            parts.append(f"field {self.field!r}")
        return ", ".join(parts) + ": " + self.message

    def __repr__(self) -> str:
        return (
            f"ImportFormatError(file={self.file!r}, location={self.location!r}, "
            f"field={self.field!r}, message={self.message!r})"
        )


class MappingError(ValueError):
    """A user-defined import mapping (see :mod:`hostkontor.imports.mapping`) is invalid.

    ``path`` names the offending setting in TOML notation, e.g. ``fields.expires.format``.
    """

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(path, message)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def file_errors_text(errors, *, filename: str, shown_as: str) -> str:
    """One ``FILE, line N, field 'F': message`` line per error, FILE named as the user gave it.

    Services store a file name of their own (a base name or the path given); the command line
    reports a bad file under the name the user typed, so errors about that file are
    re-labelled and errors about another file (a mapping) keep theirs. Accepts any error with
    ``file``, ``location``, ``field`` and ``message`` (also the usage parsers' errors).
    """
    return "\n".join(
        str(
            ImportFormatError(
                shown_as if error.file == filename else error.file,
                error.location,
                error.field,
                error.message,
            )
        )
        for error in errors
    )
