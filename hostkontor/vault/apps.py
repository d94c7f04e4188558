from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VaultConfig(AppConfig):
    name = "hostkontor.vault"
    verbose_name = _("Vault")

    def ready(self) -> None:
        from hostkontor.accounts.roles import SUPPORT, TECHNICIAN, extend_role
        from hostkontor.core.hub import register_customer_panel
        from hostkontor.core.navigation import register_nav

        from .hub import vault_panel
        from .models import SheetBatchItem, VaultEntry, VaultPasswordHistory
        from .rotation import register_ciphertext_field

        register_ciphertext_field(VaultEntry, "password_ciphertext")
        register_ciphertext_field(VaultPasswordHistory, "password_ciphertext")
        register_ciphertext_field(SheetBatchItem, "password_ciphertext")

        register_nav(
            section="search",
            label=_("Passwords"),
            url_name="vault:list",
            permission="vault.view_vaultentry",
            order=40,
        )
        register_customer_panel(
            key="vault",
            template="vault/_hub_panel.html",
            loader=vault_panel,
            permission="vault.view_vaultentry",
            order=40,
        )
        # Billing gets nothing here: it may not even see which accounts exist.
        extend_role(
            SUPPORT,
            {
                "vault.view_vaultentry",
                "vault.add_vaultentry",
                "vault.change_vaultentry",
                "vault.reveal_secret",
                "vault.create_sheet",
            },
        )
        extend_role(
            TECHNICIAN,
            {
                "vault.view_vaultentry",
                "vault.add_vaultentry",
                "vault.change_vaultentry",
                "vault.delete_vaultentry",
                "vault.reveal_secret",
                "vault.create_sheet",
                # where the function checks connect (and send the password) is technical
                "vault.change_entry_target",
            },
        )
