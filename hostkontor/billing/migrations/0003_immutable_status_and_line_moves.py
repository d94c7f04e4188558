"""Database triggers, second version: closes three holes of 0002.

* A line's NEW invoice is checked too: moving a draft's line into an issued invoice
  (``UPDATE … SET invoice_id = <issued>``) is refused like inserting one.
* ``issued_at`` and ``billing_run_id`` of an issued document are frozen with the rest.
* The status moves only along the legal transitions (``STATUS_MOVES``): draft → issued;
  issued → sent → paid; issued/sent/paid → cancelled (by credit note, which today may
  cancel a paid invoice); paid → issued/sent (reopened when a payment is undone). Nothing
  leaves ``cancelled`` and nothing goes back to ``draft``. A refused move says
  ``illegal invoice status transition``; any other change ``issued invoice is immutable``.

Consequence: a billing run with issued invoices cannot be deleted (its ``SET_NULL`` would
rewrite them); runs are history and nothing deletes them.
"""

from django.db import migrations

INVOICE_FIELDS = [
    "kind", "number", "customer_id", "cancels_id", "run_date", "invoice_date", "due_date",
    "currency", "tax_treatment", "net_total", "tax_total", "gross_total", "tax_breakdown",
    "customer_number", "customer_name", "address", "customer_vat_id", "customer_email",
    "language", "payment_terms_days", "seller", "intro_text", "closing_text", "tax_note",
    "issued_at", "billing_run_id",
]  # fmt: skip
LINE_FIELDS = [
    "invoice_id", "position", "kind", "contract_id", "one_off_item_id", "usage_component_id",
    "description", "period_start", "period_end", "quantity", "unit", "unit_price", "net",
    "tax_rate",
]  # fmt: skip
STATUS_MOVES = [
    ("draft", "issued"),
    ("issued", "sent"),
    ("issued", "paid"),
    ("issued", "cancelled"),
    ("sent", "paid"),
    ("sent", "cancelled"),
    ("paid", "cancelled"),
    ("paid", "issued"),
    ("paid", "sent"),
]
IMMUTABLE = "issued invoice is immutable"
ILLEGAL_MOVE = "illegal invoice status transition"
LINE_IMMUTABLE = "line of an issued invoice is immutable"


def _changed(fields, op):
    return " OR ".join(f"NEW.{f} {op} OLD.{f}" for f in fields)


_MOVES = ", ".join(f"'{old}>{new}'" for old, new in STATUS_MOVES)
ILLEGAL_MOVE_SQL = f"NEW.status <> OLD.status AND OLD.status || '>' || NEW.status NOT IN ({_MOVES})"


def _frozen(op):
    return f"""OLD.status <> 'draft' AND ({_changed(INVOICE_FIELDS, op)}
        OR (OLD.pdf <> '' AND NEW.pdf {op} OLD.pdf)
        OR (OLD.pdf_sha256 <> '' AND NEW.pdf_sha256 {op} OLD.pdf_sha256))"""


def _line_changed(op):
    return f"({_changed(LINE_FIELDS, op)} OR (NEW.bills AND NOT OLD.bills))"


_STATE = "(SELECT status FROM billing_invoice WHERE id = {}.invoice_id) <> 'draft'"

SQLITE = [
    f"""CREATE TRIGGER billing_invoice_status BEFORE UPDATE OF status ON billing_invoice
    FOR EACH ROW WHEN {ILLEGAL_MOVE_SQL}
    BEGIN SELECT RAISE(ABORT, '{ILLEGAL_MOVE}'); END""",
    f"""CREATE TRIGGER billing_invoice_immutable BEFORE UPDATE ON billing_invoice
    FOR EACH ROW WHEN {_frozen("IS NOT")}
    BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
    f"""CREATE TRIGGER billing_invoice_no_delete BEFORE DELETE ON billing_invoice
    FOR EACH ROW WHEN OLD.status <> 'draft'
    BEGIN SELECT RAISE(ABORT, '{IMMUTABLE}'); END""",
    f"""CREATE TRIGGER billing_invoiceline_immutable BEFORE UPDATE ON billing_invoiceline
    FOR EACH ROW WHEN ({_STATE.format("OLD")} OR {_STATE.format("NEW")})
        AND {_line_changed("IS NOT")}
    BEGIN SELECT RAISE(ABORT, '{LINE_IMMUTABLE}'); END""",
    f"""CREATE TRIGGER billing_invoiceline_no_delete BEFORE DELETE ON billing_invoiceline
    FOR EACH ROW WHEN {_STATE.format("OLD")}
    BEGIN SELECT RAISE(ABORT, '{LINE_IMMUTABLE}'); END""",
    f"""CREATE TRIGGER billing_invoiceline_no_insert BEFORE INSERT ON billing_invoiceline
    FOR EACH ROW WHEN {_STATE.format("NEW")}
    BEGIN SELECT RAISE(ABORT, '{LINE_IMMUTABLE}'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER billing_invoice_status",
    "DROP TRIGGER billing_invoice_immutable",
    "DROP TRIGGER billing_invoice_no_delete",
    "DROP TRIGGER billing_invoiceline_immutable",
    "DROP TRIGGER billing_invoiceline_no_delete",
    "DROP TRIGGER billing_invoiceline_no_insert",
]

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION billing_invoice_immutable() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
          RAISE EXCEPTION '{IMMUTABLE}' USING ERRCODE = '23514', DETAIL = OLD.number;
        END IF;
        RETURN OLD;
      END IF;
      IF {ILLEGAL_MOVE_SQL} THEN
        RAISE EXCEPTION '{ILLEGAL_MOVE}' USING ERRCODE = '23514',
          DETAIL = format('%s: %s -> %s', OLD.number, OLD.status, NEW.status);
      END IF;
      IF {_frozen("IS DISTINCT FROM")} THEN
        RAISE EXCEPTION '{IMMUTABLE}' USING ERRCODE = '23514', DETAIL = OLD.number;
      END IF;
      RETURN NEW;
    END $$""",
    f"""CREATE OR REPLACE FUNCTION billing_invoiceline_immutable() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
      old_state text;
      new_state text;
    BEGIN
      IF TG_OP <> 'INSERT' THEN
        SELECT status INTO old_state FROM billing_invoice WHERE id = OLD.invoice_id;
      END IF;
      IF TG_OP <> 'DELETE' THEN
        SELECT status INTO new_state FROM billing_invoice WHERE id = NEW.invoice_id;
      END IF;
      IF (TG_OP = 'INSERT' AND new_state <> 'draft')
          OR (TG_OP = 'DELETE' AND old_state <> 'draft')
          OR (TG_OP = 'UPDATE' AND (old_state <> 'draft' OR new_state <> 'draft')
              AND {_line_changed("IS DISTINCT FROM")}) THEN
        RAISE EXCEPTION '{LINE_IMMUTABLE}' USING ERRCODE = '23514';
      END IF;
      IF TG_OP = 'DELETE' THEN
        RETURN OLD;
      END IF;
      RETURN NEW;
    END $$""",
]

# 0002's triggers, replaced here and restored on the way back.
SQLITE_0002_REVERSE = [
    "DROP TRIGGER billing_invoice_immutable",
    "DROP TRIGGER billing_invoice_no_delete",
    "DROP TRIGGER billing_invoiceline_immutable",
    "DROP TRIGGER billing_invoiceline_no_delete",
    "DROP TRIGGER billing_invoiceline_no_insert",
]


def _previous():
    from importlib import import_module

    return import_module("hostkontor.billing.migrations.0002_immutable_issued_invoices")


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = SQLITE_0002_REVERSE + SQLITE
    elif vendor == "postgresql":
        statements = POSTGRES  # the triggers of 0002 call these functions by name
    else:
        raise RuntimeError(f"no immutability triggers for {vendor}")
    for statement in statements:
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    previous = _previous()
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = SQLITE_REVERSE + previous.SQLITE
    else:
        statements = previous.POSTGRES_REVERSE + previous.POSTGRES
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_immutable_issued_invoices")]

    operations = [migrations.RunPython(forwards, backwards)]
