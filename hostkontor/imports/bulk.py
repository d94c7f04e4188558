"""Inserting many model rows fast, for imports that write tens of thousands of rows.

``bulk_create`` compiles an SQL expression per value, which costs more than the rest of an
import row together; :func:`insert_rows` sends one ``executemany`` with the values each
model field prepares itself (``get_db_prep_save``), so the stored values are the same.
Like ``bulk_create`` it calls no ``save()`` and sends no signals; unlike it, it does not set
the primary keys: read them back by a unique key (:func:`pks_by`).
"""

import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from django.db import connection, models
from django.utils import timezone


def insert_rows(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """INSERT ``objs`` (without primary keys); ``auto_now``/``auto_now_add`` become now."""
    if not objs:
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            for obj in objs:
                setattr(obj, f.attname, now)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608 - names from _meta
    rows = _values(objs, fields)
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


# Fields whose str/int/bool/None values the database drivers take as they are: they skip
# get_db_prep_save, which costs more per value than the whole rest of an insert.
_PLAIN = {"CharField", "TextField", "BooleanField", "ForeignKey"} | {
    f"{size}IntegerField"
    for size in ("", "Small", "Big", "PositiveSmall", "Positive", "PositiveBig")
}
_PLAIN_VALUES = (str, int, bool, type(None))


def _values(objs: Sequence[models.Model], fields: Sequence[models.Field]) -> list[list]:
    plan = [(f.attname, f.get_db_prep_save, f.get_internal_type() in _PLAIN) for f in fields]
    # the same object in many rows (the batch's timestamp, a type's default fee): prepare once
    last: list = [(_NOTHING, None)] * len(plan)
    rows = []
    for obj in objs:
        row = []
        for i, (name, prepare, plain) in enumerate(plan):
            value = getattr(obj, name)
            if not (plain and type(value) in _PLAIN_VALUES):
                seen, prepared = last[i]
                if value is not seen:
                    prepared = prepare(value, connection)
                    last[i] = (value, prepared)
                value = prepared
            row.append(value)
        rows.append(row)
    return rows


_NOTHING = object()


def pks_by(model: type[models.Model], field: str, values: Iterable) -> dict:
    """``{value: pk}`` of the rows whose unique ``field`` is one of ``values`` (one query)."""
    return dict(
        model._default_manager.filter(**{f"{field}__in": list(values)}).values_list(field, "pk")
    )


def update_rows(model: type[models.Model], objs: Sequence[models.Model], names: Sequence[str]):
    """UPDATE the fields ``names`` of ``objs`` by primary key (``bulk_update`` builds one
    ``CASE`` per field over the whole batch, which grows with the square of the rows)."""
    if not objs:
        return
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    pk = quote(model._meta.pk.column)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {pk} = %s"  # noqa: S608 - names from _meta
    rows = [[*values, obj.pk] for obj, values in zip(objs, _values(objs, fields), strict=True)]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: an import holds 100,000 parsed rows, and every
    collection walks all of them again (a quarter of the time of a large contract import).
    Process-wide, so for one-shot processes (management commands) only."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
