"""Clearing issued invoices between transactional tests on SQLite.

The immutability triggers refuse to delete issued invoices, and Django flushes a SQLite
test database with DELETE (PostgreSQL uses TRUNCATE, which row triggers do not see). After
a transactional test the root conftest calls :func:`purge_issued_documents`, which lifts
the triggers just for the purge and puts them back.
"""

from importlib import import_module

from django.db import connection


def purge_issued_documents() -> None:
    if connection.vendor != "sqlite":
        return
    triggers = import_module("hostkontor.billing.migrations.0002_immutable_issued_invoices")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type='trigger' AND name LIKE 'billing_%'"
        )
        if not cursor.fetchall():
            return
        for statement in triggers.SQLITE_REVERSE:
            cursor.execute(statement)
        try:
            cursor.execute("DELETE FROM billing_invoiceline")
            cursor.execute("UPDATE billing_invoice SET cancels_id = NULL")
            cursor.execute("DELETE FROM billing_invoice")
        finally:
            for statement in triggers.SQLITE:
                cursor.execute(statement)
