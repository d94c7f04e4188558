"""Re-encrypt every stored vault token under the current key, without downtime.

1. Put a new key FIRST into HOSTKONTOR_VAULT_KEYS (or the key file) and keep the old one
   after it; restart web server and workers (they then encrypt with the new key and still
   read the old tokens).
2. ``python manage.py rotate_vault_keys`` (rows in batches, each row its own transaction).
3. When it reports ``0 failed``, remove the old key and restart again.
"""

from django.core.management.base import BaseCommand, CommandError, no_translations

from hostkontor.vault.crypto import VaultError
from hostkontor.vault.keys import get_keyring, key_source
from hostkontor.vault.rotation import rotate_all


class Command(BaseCommand):
    help = (
        "Re-encrypt all vault ciphertexts (passwords, history, auth codes …) with the current key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--dry-run", action="store_true", help="decrypt and count only, write nothing"
        )

    @no_translations  # commands print English (README)
    def handle(self, *, batch_size: int, dry_run: bool, verbosity: int, **options):
        try:
            keyring = get_keyring()
        except VaultError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"current key: {keyring.current_key_id} (keys: {', '.join(keyring.key_ids)}; "
            f"from {key_source()})"
        )
        report = rotate_all(
            keyring=keyring,
            batch_size=batch_size,
            dry_run=dry_run,
            progress=self.stdout.write if verbosity > 1 else None,
        )
        for label, counts in report.counts.items():
            self.stdout.write(
                f"{label}: {counts.get('rotated', 0)} {'to rotate' if dry_run else 'rotated'}, "
                f"{counts.get('current', 0)} already current, {counts.get('empty', 0)} empty, "
                f"{counts.get('failed', 0)} failed"
            )
        for failure in report.failures:
            self.stderr.write(failure)
        if report.failed:
            raise CommandError(
                f"{report.failed} value(s) could not be decrypted; keep every old key until "
                "this is resolved"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{'would rotate' if dry_run else 'rotated'} {report.rotated} value(s); "
                + (
                    "keys other than the current one are no longer needed"
                    if not dry_run
                    else "nothing written"
                )
            )
        )
