"""A fresh installation migrates once; after that every role must be able to do its job."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.urls import reverse

from hostkontor.accounts.roles import ROLES
from hostkontor.accounts.services import user_create
from hostkontor.testing.factories import make_customer

pytestmark = pytest.mark.django_db


def _fresh_user(username: str, role: str):
    # not testing.users.make_user: that syncs the roles itself and would hide the bug
    return user_create(actor=None, username=username, email=f"{username}@example.com", role=role)


def test_one_migrate_on_a_fresh_database_gives_every_role_its_permissions(client):
    # given a database without permissions and role groups, as before the first migrate
    Permission.objects.all().delete()
    Group.objects.filter(name__in=ROLES).delete()
    customer = make_customer()
    # when the installation migrates once, as `make run` does
    call_command("migrate", verbosity=0)
    billing = _fresh_user("buchhaltung", "Billing")
    technician = _fresh_user("techniker", "Technician")
    support = _fresh_user("support", "Support")
    # then each role can open the page of its daily work
    client.force_login(billing)
    assert client.get(reverse("billing:invoice_list")).status_code == 200
    client.force_login(technician)
    assert client.get(reverse("checks:dashboard")).status_code == 200
    client.force_login(support)
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200


def test_the_admin_role_gets_the_permissions_of_the_last_installed_app():
    # given a database without permissions and role groups
    Permission.objects.all().delete()
    Group.objects.filter(name__in=ROLES).delete()
    # when it migrates once
    call_command("migrate", verbosity=0)
    # then Admin holds every permission, the last app's included
    admin = Group.objects.get(name="Admin")
    assert admin.permissions.count() == Permission.objects.count()
    assert admin.permissions.filter(content_type__app_label="checks").exists()
