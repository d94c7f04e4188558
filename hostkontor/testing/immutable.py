"""Clearing issued invoices and the audit trail between transactional tests on SQLite.

The immutability triggers refuse to delete issued invoices and audit events, and Django
flushes a SQLite test database with DELETE (PostgreSQL uses TRUNCATE, which row triggers do
not see). After a transactional test the root conftest calls :func:`purge_issued_documents`,
which lifts the triggers just for the purge and puts them back.
"""

from importlib import import_module

from django.db import connection

BILLING = "hostkontor.billing.migrations.0003_immutable_status_and_line_moves"
AUDIT = "hostkontor.core.migrations.0002_audit_append_only"


def purge_issued_documents() -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type='trigger'")
        present = {name for (name,) in cursor.fetchall()}
        for module, table_sql in (
            (
                BILLING,
                [
                    "DELETE FROM billing_invoiceline",
                    "UPDATE billing_invoice SET cancels_id = NULL",
                    "DELETE FROM billing_invoice",
                ],
            ),
            (AUDIT, ["DELETE FROM core_auditevent"]),
        ):
            triggers = import_module(module)
            drops = [s for s in triggers.SQLITE_REVERSE if s.split()[-1] in present]
            if not drops:
                continue
            for statement in drops:
                cursor.execute(statement)
            try:
                for statement in table_sql:
                    cursor.execute(statement)
            finally:
                for statement in triggers.SQLITE:
                    cursor.execute(statement)
