# Issue 10, "what the document says": goods vs. services per one-off item, and the
# consumer outside the EU as a tax treatment (choices only, no schema change).
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("billing", "0005_issue_rules")]

    operations = [
        migrations.AddField(
            model_name="oneoffitem",
            name="kind",
            field=models.CharField(
                choices=[("service", "service"), ("goods", "goods (hardware)")],
                default="service",
                help_text="Goods to EU businesses and to customers outside the EU are tax-free.",
                max_length=8,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="tax_treatment",
            field=models.CharField(
                choices=[
                    ("domestic", "domestic (VAT applies)"),
                    ("eu_reverse_charge", "EU reverse charge"),
                    ("non_eu", "outside the EU (not taxable here)"),
                    ("non_eu_consumer", "consumer outside the EU (VAT applies)"),
                ],
                default="domestic",
                max_length=20,
            ),
        ),
    ]
