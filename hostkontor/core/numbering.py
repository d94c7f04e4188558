"""Number ranges: patterns like ``K{00000}`` or ``RE-{YYYY}-{00000}``.

``{0…0}`` is the counter, zero-padded to the width of the braces; ``{YYYY}``/``{YY}``/``{MM}``
are the date's parts. The counter runs per period (the period key): per month with ``{MM}``,
per year with ``{YYYY}``/``{YY}``, for ever without a date part. A number must never be
issued twice, so the rules are:

- A pattern holds exactly one counter and no unknown ``{…}`` token.
- ``{MM}`` needs ``{YYYY}`` or ``{YY}``: the counter starts again every month, and without the
  year May 2027 would repeat May 2026's numbers.
- No literal year (19xx/20xx outside the tokens): ``RE-2026-{0000}`` counts on in 2027 under a
  wrong year, and switching it to ``{YYYY}`` later starts a new counter that repeats its numbers.
- A pattern change is refused when the new pattern could render a number that was already
  issued (:func:`pattern_change_check`). The check is exact, not a guess: it parses every
  issued number with the new pattern; a number it can render back (same literals, a counter in
  the new width, a valid month) with a counter value that the range will still hand out in that
  number's period (``value >= next_value`` of the period's sequence, or ``>= start`` for a
  period that has none yet) would come again. Numbers it can only render below the sequence's
  position are safe: sequences only move up. ``{YY}`` is read as 20YY.
- Two ranges that issue into the same table (invoices and credit notes) must not be able to
  render the same text at all (:func:`patterns_overlap`).

Customer numbers need no change check: allocation skips numbers that exist.
"""

import re
from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from .models import NumberSequence

_TOKEN = re.compile(r"\{(0+|YYYY|YY|MM)\}")
# A year written as text in the literal parts (not inside a longer number).
_LITERAL_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
# Counters wider than the pattern's width by more than this are far beyond any real range.
_MAX_EXTRA_DIGITS = 12


class NumberPatternError(ValueError):
    pass


def validate_pattern(pattern: str) -> None:
    tokens = _TOKEN.findall(pattern)
    if len([t for t in tokens if t.startswith("0")]) != 1:
        raise NumberPatternError(
            _("Number pattern %(pattern)s needs exactly one counter such as {00000}.")
            % {"pattern": pattern}
        )
    literals = _TOKEN.split(pattern)[::2]
    if any("{" in part or "}" in part for part in literals):
        raise NumberPatternError(
            _("Number pattern %(pattern)s has an unknown {…} token.") % {"pattern": pattern}
        )
    if "MM" in tokens and not {"YYYY", "YY"} & set(tokens):
        raise NumberPatternError(
            _(
                "Number pattern %(pattern)s has {MM} without {YYYY} or {YY}: its numbers "
                "would repeat every year."
            )
            % {"pattern": pattern}
        )
    for part in literals:
        year = _LITERAL_YEAR.search(part)
        if year:
            raise NumberPatternError(
                _(
                    "Number pattern %(pattern)s contains the year %(year)s as text: use "
                    "{YYYY} so that the numbers follow the year."
                )
                % {"pattern": pattern, "year": year.group(0)}
            )


def period_key(pattern: str, on: date) -> str:
    tokens = _TOKEN.findall(pattern)
    if "MM" in tokens:
        return f"{on:%Y-%m}"
    if "YYYY" in tokens or "YY" in tokens:
        return f"{on:%Y}"
    return ""


def format_number(pattern: str, value: int, on: date) -> str:
    def replace(match: re.Match) -> str:
        token = match.group(1)
        if token == "YYYY":
            return f"{on:%Y}"
        if token == "YY":
            return f"{on:%y}"
        if token == "MM":
            return f"{on:%m}"
        return str(value).zfill(len(token))

    return _TOKEN.sub(replace, pattern)


def _parser(pattern: str) -> tuple[re.Pattern, list[str]]:
    """A regex matching every text the pattern can render, one group per token."""
    parts, tokens = [], []
    for index, piece in enumerate(_TOKEN.split(pattern)):
        if index % 2 == 0:
            parts.append(re.escape(piece))
        else:
            tokens.append(piece)
            width = len(piece)
            parts.append(rf"(\d{{{width},}})" if piece.startswith("0") else rf"(\d{{{width}}})")
    return re.compile("".join(parts)), tokens


def _rendered_by(parser: re.Pattern, tokens: list[str], number: str) -> tuple[date, int] | None:
    """(a day of the number's period, counter value) if the pattern renders ``number``."""
    match = parser.fullmatch(number)
    if match is None:
        return None
    values: dict[str, set[str]] = {}
    for token, text in zip(tokens, match.groups(), strict=True):
        values.setdefault(token, set()).add(text)
    if any(len(found) > 1 for found in values.values()):
        return None  # a token used twice with two different values
    found = {token: texts.pop() for token, texts in values.items()}
    counter = next(t for t in found if t.startswith("0"))
    value = int(found[counter])
    if str(value).zfill(len(counter)) != found[counter]:
        return None  # e.g. "0050" with a five-digit counter: never rendered like that
    year = int(found["YYYY"]) if "YYYY" in found else 2000 + int(found.get("YY", "0"))
    if "YYYY" in found and "YY" in found and found["YYYY"][2:] != found["YY"]:
        return None
    month = int(found.get("MM", "1"))
    if not 1 <= month <= 12 or year < 1900:
        return None  # no month, or a year no number is issued in
    return date(year, month, 1), value


def pattern_change_check(
    *, range_code: str, old: str, new: str, issued: Iterable[str], start: int = 1
) -> None:
    """Refuse ``new`` if it could issue one of the ``issued`` numbers again (see the module)."""
    validate_pattern(new)
    if new == old:
        return
    parser, tokens = _parser(new)
    next_values = dict(
        NumberSequence.objects.filter(range_code=range_code).values_list("period_key", "next_value")
    )
    for number in issued:
        rendered = _rendered_by(parser, tokens, number)
        if rendered is None:
            continue
        on, value = rendered
        if value >= next_values.get(period_key(new, on), start):
            raise NumberPatternError(
                _(
                    "Number pattern %(pattern)s would issue %(number)s again, which exists "
                    "already. Change a fixed part of the pattern (e.g. the prefix) or the "
                    "counter's width."
                )
                % {"pattern": new, "number": number}
            )


def _shapes(pattern: str):
    """Each rendering shape: one entry per character, a literal or None for any digit."""
    pieces = _TOKEN.split(pattern)
    counter = next(len(t) for t in pieces[1::2] if t.startswith("0"))
    for width in range(counter, counter + _MAX_EXTRA_DIGITS + 1):
        shape: list[str | None] = []
        for index, piece in enumerate(pieces):
            if index % 2 == 0:
                shape.extend(piece)
            else:
                shape.extend([None] * (width if piece.startswith("0") else len(piece)))
        yield shape


def _compatible(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return (a or b or "0").isdigit()
    return a == b


def patterns_overlap(first: str, second: str) -> bool:
    """Whether two valid patterns can render the same text (for ranges sharing a table)."""
    return any(
        len(a) == len(b) and all(_compatible(x, y) for x, y in zip(a, b, strict=True))
        for a in _shapes(first)
        for b in _shapes(second)
    )


def patterns_distinct_check(first: str, second: str) -> None:
    """Refuse two ranges that issue into one table (invoices, credit notes) if they overlap."""
    if patterns_overlap(first, second):
        raise NumberPatternError(
            _(
                "Number patterns %(first)s and %(second)s could give the same number: "
                "use different prefixes."
            )
            % {"first": first, "second": second}
        )


def number_allocate(*, range_code: str, pattern: str, on: date, start: int = 1) -> str:
    """Take the next number of a range; call inside the transaction that stores it.

    The sequence row is locked (``SELECT … FOR UPDATE``) until that transaction ends, so a
    rolled-back issue gives its number back and concurrent issuers queue: gapless, increasing.
    """
    validate_pattern(pattern)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_allocate must run inside transaction.atomic()")
    key = period_key(pattern, on)
    sequence = (
        NumberSequence.objects.select_for_update()
        .filter(range_code=range_code, period_key=key)
        .first()
    )
    if sequence is None:
        NumberSequence.objects.bulk_create(
            [NumberSequence(range_code=range_code, period_key=key, next_value=start)],
            ignore_conflicts=True,
        )
        sequence = NumberSequence.objects.select_for_update().get(
            range_code=range_code, period_key=key
        )
    value = sequence.next_value
    sequence.next_value = value + 1
    sequence.save(update_fields=["next_value"])
    return format_number(pattern, value, on)


def pattern_renders(pattern: str, number: str) -> bool:
    """Whether ``number`` is a text the valid ``pattern`` renders (was issued under it)."""
    parser, tokens = _parser(pattern)
    return _rendered_by(parser, tokens, number) is not None


def pattern_prefix(pattern: str) -> str:
    """The fixed text before the first token: every number of the pattern starts with it."""
    return _TOKEN.split(pattern)[0]


def number_counter_next(*, range_code: str, pattern: str, on: date, start: int = 1) -> int:
    """The counter value the range hands out next in ``on``'s period."""
    sequence = NumberSequence.objects.filter(
        range_code=range_code, period_key=period_key(pattern, on)
    ).first()
    return sequence.next_value if sequence else start


def number_counter_raise(
    *, range_code: str, pattern: str, on: date, next_value: int, start: int = 1
) -> int:
    """Let the range of ``on``'s period continue at ``next_value`` (e.g. where the previous
    system stopped). Counters only move up: below the next free value a number would come
    twice. Returns the value it replaced; call inside the transaction that audits it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("number_counter_raise must run inside transaction.atomic()")
    key = period_key(pattern, on)
    NumberSequence.objects.bulk_create(
        [NumberSequence(range_code=range_code, period_key=key, next_value=start)],
        ignore_conflicts=True,
    )
    sequence = NumberSequence.objects.select_for_update().get(range_code=range_code, period_key=key)
    previous = sequence.next_value
    if next_value < previous:
        raise NumberPatternError(
            _(
                "The next number counter can only be raised: %(value)s is below %(next)s, "
                "the next free value (numbers up to %(last)s were issued)."
            )
            % {"value": next_value, "next": previous, "last": previous - 1}
        )
    sequence.next_value = next_value
    sequence.save(update_fields=["next_value"])
    return previous
