from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from hostkontor.billing.models import SellerProfile
from hostkontor.billing.seller_profile import (
    FILE_KEYS,
    seller_file_apply,
    seller_missing,
)
from hostkontor.core.errors import FieldErrors


class Command(BaseCommand):
    help = (
        "Show the seller profile printed on every invoice and what issuing still needs; "
        "--file FILE.toml sets it (keys: " + ", ".join(FILE_KEYS) + "), all keys or none: a "
        "bad value exits 1 naming file and key and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", help="TOML file with the keys to set")

    def handle(self, *, file: str | None, **options):
        with translation.override("en"):  # commands print English (README)
            self._handle(file)

    def _handle(self, file: str | None) -> None:
        if file:
            try:
                seller_file_apply(actor=None, path=file)
            except FieldErrors as error:
                raise CommandError(
                    "\n".join(f"{where}: {message}" for where, message in error.errors.items())
                ) from None
            self.stdout.write(f"seller profile set from {file}")
        profile = SellerProfile.current()
        for key, field in FILE_KEYS.items():
            self.stdout.write(f"{key} = {getattr(profile, field)!r}")
        closed = profile.books_closed_until
        self.stdout.write(f"books_closed_until = {closed.isoformat() if closed else ''!r}")
        missing = seller_missing(profile)
        if missing:
            self.stdout.write("missing for issuing: " + ", ".join(missing))
        else:
            self.stdout.write("complete for issuing")
        if not profile.vat_id:
            self.stdout.write("reverse charge invoices also need: vat_id")
