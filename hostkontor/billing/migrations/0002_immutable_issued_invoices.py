"""Database triggers: an issued invoice (or credit note) and its lines never change.

Status may move on (issued → sent → paid / cancelled), the PDF and its hash may be stored once, and a
line's ``bills`` flag may drop when a credit note reopens its period; every other column of
an issued document is refused by the database itself, whatever code tries.
"""

from django.db import migrations

INVOICE_FIELDS = [
    "kind", "number", "customer_id", "cancels_id", "run_date", "invoice_date", "due_date",
    "currency", "tax_treatment", "net_total", "tax_total", "gross_total", "tax_breakdown",
    "customer_number", "customer_name", "address", "customer_vat_id", "customer_email",
    "language", "payment_terms_days", "seller", "intro_text", "closing_text", "tax_note",
]
LINE_FIELDS = [
    "invoice_id", "position", "kind", "contract_id", "one_off_item_id", "usage_component_id", "description",
    "period_start", "period_end", "quantity", "unit", "unit_price", "net", "tax_rate",
]


def _changed(fields, op):
    return " OR ".join(f"NEW.{f} {op} OLD.{f}" for f in fields)


SQLITE = [
    f"""CREATE TRIGGER billing_invoice_immutable BEFORE UPDATE ON billing_invoice
    FOR EACH ROW WHEN OLD.status <> 'draft' AND ({_changed(INVOICE_FIELDS, "IS NOT")}
        OR NEW.status = 'draft' OR (OLD.pdf <> '' AND NEW.pdf IS NOT OLD.pdf)
        OR (OLD.pdf_sha256 <> '' AND NEW.pdf_sha256 IS NOT OLD.pdf_sha256))
    BEGIN SELECT RAISE(ABORT, 'issued invoice is immutable'); END""",
    """CREATE TRIGGER billing_invoice_no_delete BEFORE DELETE ON billing_invoice
    FOR EACH ROW WHEN OLD.status <> 'draft'
    BEGIN SELECT RAISE(ABORT, 'issued invoice is immutable'); END""",
    f"""CREATE TRIGGER billing_invoiceline_immutable BEFORE UPDATE ON billing_invoiceline
    FOR EACH ROW WHEN (SELECT status FROM billing_invoice WHERE id = OLD.invoice_id) <> 'draft'
        AND ({_changed(LINE_FIELDS, "IS NOT")} OR (NEW.bills AND NOT OLD.bills))
    BEGIN SELECT RAISE(ABORT, 'line of an issued invoice is immutable'); END""",
    """CREATE TRIGGER billing_invoiceline_no_delete BEFORE DELETE ON billing_invoiceline
    FOR EACH ROW WHEN (SELECT status FROM billing_invoice WHERE id = OLD.invoice_id) <> 'draft'
    BEGIN SELECT RAISE(ABORT, 'line of an issued invoice is immutable'); END""",
    """CREATE TRIGGER billing_invoiceline_no_insert BEFORE INSERT ON billing_invoiceline
    FOR EACH ROW WHEN (SELECT status FROM billing_invoice WHERE id = NEW.invoice_id) <> 'draft'
    BEGIN SELECT RAISE(ABORT, 'line of an issued invoice is immutable'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER billing_invoice_immutable",
    "DROP TRIGGER billing_invoice_no_delete",
    "DROP TRIGGER billing_invoiceline_immutable",
    "DROP TRIGGER billing_invoiceline_no_delete",
    "DROP TRIGGER billing_invoiceline_no_insert",
]

POSTGRES = [
    f"""CREATE FUNCTION billing_invoice_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' THEN
        IF OLD.status <> 'draft' THEN
          RAISE EXCEPTION 'issued invoice % is immutable', OLD.number USING ERRCODE = '23514';
        END IF;
        RETURN OLD;
      END IF;
      IF OLD.status <> 'draft' AND ({_changed(INVOICE_FIELDS, "IS DISTINCT FROM")}
          OR NEW.status = 'draft' OR (OLD.pdf <> '' AND NEW.pdf IS DISTINCT FROM OLD.pdf)
          OR (OLD.pdf_sha256 <> '' AND NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256)) THEN
        RAISE EXCEPTION 'issued invoice % is immutable', OLD.number USING ERRCODE = '23514';
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER billing_invoice_immutable BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_immutable()""",
    f"""CREATE FUNCTION billing_invoiceline_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      state text;
    BEGIN
      IF TG_OP = 'INSERT' THEN
        SELECT status INTO state FROM billing_invoice WHERE id = NEW.invoice_id;
        IF state <> 'draft' THEN
          RAISE EXCEPTION 'line of an issued invoice is immutable' USING ERRCODE = '23514';
        END IF;
        RETURN NEW;
      END IF;
      SELECT status INTO state FROM billing_invoice WHERE id = OLD.invoice_id;
      IF state <> 'draft' THEN
        IF TG_OP = 'DELETE' OR {_changed(LINE_FIELDS, "IS DISTINCT FROM")}
            OR (NEW.bills AND NOT OLD.bills) THEN
          RAISE EXCEPTION 'line of an issued invoice is immutable' USING ERRCODE = '23514';
        END IF;
      END IF;
      IF TG_OP = 'DELETE' THEN
        RETURN OLD;
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER billing_invoiceline_immutable BEFORE INSERT OR UPDATE OR DELETE
    ON billing_invoiceline FOR EACH ROW EXECUTE FUNCTION billing_invoiceline_immutable()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER billing_invoice_immutable ON billing_invoice",
    "DROP FUNCTION billing_invoice_immutable()",
    "DROP TRIGGER billing_invoiceline_immutable ON billing_invoiceline",
    "DROP FUNCTION billing_invoiceline_immutable()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"no immutability triggers for {schema_editor.connection.vendor}")
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
        )
    ]
