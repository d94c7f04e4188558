# Issue 10, "refuse to issue what would be wrong": the seller profile's register is split
# into court and number, the placeholder company is no longer a default (an empty company
# blocks issuing), the country default comes from HOSTKONTOR_SELLER_COUNTRY only for a new
# profile, and ``books_closed_until`` closes periods for invoice dates.
import re

from django.db import migrations, models

import hostkontor.billing.models

PLACEHOLDER = "Hostkontor Demo GmbH"
# "Amtsgericht Osnabrück HRB 12345" / "AG Berlin-Charlottenburg, HRB 1234 B"
REGISTER = re.compile(r"^(?P<court>.*?)[,;\s]*(?P<number>(?:HRA|HRB|GnR|PR|VR)\s*\d+.*)$")


def split_register(apps, schema_editor):
    SellerProfile = apps.get_model("billing", "SellerProfile")
    for profile in SellerProfile.objects.all():
        value = (profile.register or "").strip()
        match = REGISTER.match(value)
        if match:
            profile.register_court = match["court"].strip()
            profile.register_number = match["number"].strip()
        else:
            profile.register_number = value  # kept whole: the user splits it on the settings page
        if profile.company == PLACEHOLDER:
            profile.company = ""
        profile.save(update_fields=["register_court", "register_number", "company"])


def join_register(apps, schema_editor):
    SellerProfile = apps.get_model("billing", "SellerProfile")
    for profile in SellerProfile.objects.all():
        profile.register = " ".join(
            part for part in (profile.register_court, profile.register_number) if part
        )
        profile.save(update_fields=["register"])


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_billing_run_outcome")]

    operations = [
        migrations.AddField(
            model_name="sellerprofile",
            name="register_court",
            field=models.CharField(blank=True, max_length=120, verbose_name="register court"),
        ),
        migrations.AddField(
            model_name="sellerprofile",
            name="register_number",
            field=models.CharField(blank=True, max_length=60, verbose_name="register number"),
        ),
        migrations.AlterField(
            model_name="sellerprofile",
            name="company",
            field=models.CharField(blank=True, max_length=200, verbose_name="company"),
        ),
        migrations.RunPython(split_register, join_register),
        migrations.RemoveField(model_name="sellerprofile", name="register"),
        migrations.AddField(
            model_name="sellerprofile",
            name="books_closed_until",
            field=models.DateField(
                blank=True,
                help_text="No invoice or credit note may be dated on or before this day.",
                null=True,
                verbose_name="books closed until",
            ),
        ),
        migrations.AlterField(
            model_name="sellerprofile",
            name="country",
            field=models.CharField(
                default=hostkontor.billing.models._seller_country_default,
                max_length=2,
                verbose_name="country",
            ),
        ),
    ]
