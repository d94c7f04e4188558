"""The four roles, as Django groups with permissions.

Apps extend :data:`ROLE_PERMISSIONS` with their own permissions (``app_label.codename``);
permissions of apps that are not installed are skipped. Admins get every permission.
"""

from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS, transaction

ADMIN, BILLING, SUPPORT, TECHNICIAN = "Admin", "Billing", "Support", "Technician"
ROLES = [ADMIN, BILLING, SUPPORT, TECHNICIAN]

ROLE_PERMISSIONS: dict[str, set[str]] = {
    ADMIN: {"*"},
    BILLING: {
        "customers.view_customer",
        "customers.add_customer",
        "customers.change_customer",
        "customers.view_contactperson",
        "customers.add_contactperson",
        "customers.change_contactperson",
        "customers.delete_contactperson",
        "customers.import_customers",
    },
    SUPPORT: {
        "customers.view_customer",
        "customers.change_customer",
        "customers.view_contactperson",
        "customers.add_contactperson",
        "customers.change_contactperson",
    },
    TECHNICIAN: {
        "customers.view_customer",
        "customers.view_contactperson",
    },
}


def extend_role(role: str, permissions: set[str]) -> None:
    ROLE_PERMISSIONS[role] |= set(permissions)


def roles_sync(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the role groups and give each exactly its permissions."""
    with transaction.atomic(using=using):
        all_permissions = {
            f"{p.content_type.app_label}.{p.codename}": p
            for p in Permission.objects.using(using).select_related("content_type")
        }
        for role in ROLES:
            group, _ = Group.objects.using(using).get_or_create(name=role)
            wanted = ROLE_PERMISSIONS[role]
            if "*" in wanted:
                perms = list(all_permissions.values())
            else:
                perms = [
                    all_permissions[name] for name in sorted(wanted) if name in all_permissions
                ]
            group.permissions.set(perms)


def _last_migrated_app_label() -> str:
    """The app whose post_migrate Django sends last (it skips apps without models)."""
    with_models = [c for c in global_apps.get_app_configs() if c.models_module is not None]
    return with_models[-1].label


def roles_sync_after_migrate(*, app_config, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """Sync once per migrate, after every app's permissions exist.

    Django sends post_migrate once per app in INSTALLED_APPS order and creates each app's
    permissions on that app's own signal, so a sync on an earlier app (accounts) would miss the
    permissions of every app after it on a fresh database.
    """
    if app_config.label == _last_migrated_app_label():
        roles_sync(using=using)
