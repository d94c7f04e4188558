"""Issue 10 (engineer "ic"): cancellation wording and number ranges.

The cancellation range's default pattern becomes ``ST-{YYYY}-{00000}`` (Stornorechnung, not
"Gutschrift"); existing installs keep the pattern they stored. A range's pattern is locked
once a number was issued under it: a new one waits as pending until 1 January of the next
year (``*_next`` and ``*_next_from``).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("billing", "0006_document_texts")]

    operations = [
        migrations.AlterModelOptions(
            name="invoice",
            options={
                "ordering": ["-created_at", "-id"],
                "permissions": [
                    ("run_billing", "Can run billing"),
                    ("issue_invoice", "Can issue and send invoices"),
                    ("cancel_invoice", "Can cancel invoices by cancellation invoice"),
                ],
                "verbose_name": "invoice",
                "verbose_name_plural": "invoices",
            },
        ),
        migrations.AddField(
            model_name="sellerprofile",
            name="credit_note_number_pattern_next",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="sellerprofile",
            name="credit_note_number_pattern_next_from",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="sellerprofile",
            name="invoice_number_pattern_next",
            field=models.CharField(blank=True, max_length=40),
        ),
        migrations.AddField(
            model_name="sellerprofile",
            name="invoice_number_pattern_next_from",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="kind",
            field=models.CharField(
                choices=[("invoice", "invoice"), ("credit_note", "cancellation invoice")],
                default="invoice",
                max_length=12,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="sellerprofile",
            name="credit_note_number_pattern",
            field=models.CharField(
                default="ST-{YYYY}-{00000}",
                max_length=40,
                verbose_name="cancellation invoice number pattern",
            ),
        ),
    ]
