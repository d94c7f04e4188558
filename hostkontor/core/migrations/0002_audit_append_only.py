"""Database triggers: the audit trail is append-only.

Rows are inserted and never updated or deleted, whatever code tries (``audit trail is
append-only``). One update stays allowed, on purpose: clearing ``actor_id`` while every
other column keeps its value. That is what Django's ``on_delete=SET_NULL`` does when a user
is deleted; the event keeps who acted in ``actor_name``, so history loses nothing and
deleting a user keeps working (the alternative, forbidding the deletion of users with
history, would turn a routine admin action into a database error).
"""

from django.db import migrations

KEPT = [
    "id", "at", "actor_name", "action", "object_type", "object_id", "object_repr",
    "customer_id", "changes", "ip_address",
]  # fmt: skip
MESSAGE = "audit trail is append-only"


def _actor_cleared(op):
    same = " AND ".join(f"NOT (NEW.{f} {op} OLD.{f})" for f in KEPT)
    return f"(OLD.actor_id IS NOT NULL AND NEW.actor_id IS NULL AND {same})"


SQLITE = [
    f"""CREATE TRIGGER core_auditevent_no_update BEFORE UPDATE ON core_auditevent
    FOR EACH ROW WHEN NOT {_actor_cleared("IS NOT")}
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER core_auditevent_no_delete BEFORE DELETE ON core_auditevent
    FOR EACH ROW BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER core_auditevent_no_update",
    "DROP TRIGGER core_auditevent_no_delete",
]

POSTGRES = [
    f"""CREATE FUNCTION core_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND {_actor_cleared("IS DISTINCT FROM")} THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23514', DETAIL = format('%s of event %s', TG_OP, OLD.id);
    END $$""",
    """CREATE TRIGGER core_auditevent_append_only BEFORE UPDATE OR DELETE ON core_auditevent
    FOR EACH ROW EXECUTE FUNCTION core_auditevent_append_only()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER core_auditevent_append_only ON core_auditevent",
    "DROP FUNCTION core_auditevent_append_only()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"no audit triggers for {schema_editor.connection.vendor}")
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
