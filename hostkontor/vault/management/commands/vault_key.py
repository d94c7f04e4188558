"""Vault keys: create the embedded default key file, or print a new key entry."""

from django.core.management.base import BaseCommand, CommandError, no_translations

from hostkontor.vault.crypto import VaultError, new_key_entry
from hostkontor.vault.keys import ensure_embedded_key, get_keyring, key_source


class Command(BaseCommand):
    help = (
        "--create: create the embedded default key file (mode 0600) if no key is configured; "
        "--new: print a new 'id:base64key' entry (put it first in HOSTKONTOR_VAULT_KEYS to "
        "rotate); without options: show where the keys come from."
    )

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--create", action="store_true")
        group.add_argument("--new", action="store_true")

    @no_translations  # commands print English (README)
    def handle(self, *, create: bool, new: bool, **options):
        if new:
            self.stdout.write(new_key_entry())
            return
        if create:
            path = ensure_embedded_key()
            if path is not None:
                self.stdout.write(f"vault key file: {path}  (back it up; never commit it)")
        try:
            keyring = get_keyring()
        except VaultError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"vault keys from {key_source()}: current {keyring.current_key_id}, "
            f"{len(keyring.key_ids)} key(s)"
        )
