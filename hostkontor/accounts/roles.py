"""The four roles, as Django groups with permissions.

Apps extend :data:`ROLE_PERMISSIONS` with their own permissions (``app_label.codename``);
permissions of apps that are not installed are skipped. Admins get every permission.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

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


@transaction.atomic
def roles_sync() -> None:
    """Create the role groups and give each exactly its permissions."""
    all_permissions = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type")
    }
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = ROLE_PERMISSIONS[role]
        if "*" in wanted:
            perms = list(all_permissions.values())
        else:
            perms = [all_permissions[name] for name in sorted(wanted) if name in all_permissions]
        group.permissions.set(perms)


def roles_sync_after_migrate(**kwargs) -> None:
    roles_sync()
