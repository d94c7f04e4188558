from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DomainsConfig(AppConfig):
    name = "hostkontor.domains"
    verbose_name = _("Domains")

    def ready(self) -> None:
        from hostkontor.accounts.roles import BILLING, SUPPORT, TECHNICIAN, extend_role
        from hostkontor.vault.rotation import register_ciphertext_field, register_rotation_hook

        from .models import AUTH_CODE_AAD_TABLE, Domain
        from .reconciliation import registrar_import_files_rotate

        # `rotate_vault_keys` re-encrypts auth codes and stored registrar files too
        register_ciphertext_field(
            Domain, "auth_code_token", AUTH_CODE_AAD_TABLE, aad_field="auth_code"
        )
        register_rotation_hook("domains.RegistrarImport.data", registrar_import_files_rotate)
        from hostkontor.core.hub import register_customer_panel
        from hostkontor.core.navigation import register_nav

        from .hub import domains_panel

        register_nav(
            section="isp",
            label=_("Domains"),
            url_name="domains:list",
            permission="domains.view_domain",
            order=30,
        )
        register_nav(
            section="isp",
            label=_("Registrar imports"),
            url_name="domains:imports",
            permission="domains.view_registrarimport",
            order=31,
        )
        register_nav(
            section="isp",
            label=_("TLD prices"),
            url_name="domains:prices",
            permission="domains.view_tldprice",
            order=32,
        )
        register_customer_panel(
            key="domains",
            template="domains/_hub_panel.html",
            loader=domains_panel,
            permission="domains.view_domain",
            order=30,
        )
        models = [
            "domain",
            "domainownership",
            "tldprice",
            "registrar",
            "registrarmapping",
            "registrarimport",
            "reconciliationignore",
        ]
        view = {f"domains.view_{m}" for m in models}
        every = {f"domains.{a}_{m}" for m in models for a in ("view", "add", "change", "delete")}
        extend_role(BILLING, every | {"domains.import_registrar"})
        extend_role(SUPPORT, view)
        extend_role(TECHNICIAN, view)
