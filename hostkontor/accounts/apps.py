from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "hostkontor.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from hostkontor.core.navigation import register_nav

        from .roles import roles_sync_after_migrate

        # Roles are configuration that follows the code: re-synced after every migrate, on the
        # last app's signal (connected for every sender; the receiver picks the last one).
        post_migrate.connect(
            roles_sync_after_migrate, dispatch_uid="hostkontor.accounts.roles_sync_after_migrate"
        )
        register_nav(
            section="search",
            label=_("Users"),
            url_name="accounts:user_list",
            permission="accounts.manage_users",
            order=900,
        )
