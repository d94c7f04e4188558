import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hostkontor.core.models import AuditEvent
from hostkontor.testing.users import PASSWORD, make_user

from .roles import ROLES

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_roles_exist_as_groups_with_their_permissions(admin_user):
    from django.contrib.auth.models import Group

    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(ROLES)
    technician = make_user("t", role="Technician")
    billing = make_user("b", role="Billing")
    assert technician.has_perm("customers.view_customer") and not technician.has_perm(
        "customers.add_customer"
    )
    assert billing.has_perm("customers.import_customers")
    assert admin_user.has_perm("accounts.manage_users") and not billing.has_perm(
        "accounts.manage_users"
    )


def test_login_and_logout(client, admin_user):
    response = client.post(reverse("accounts:login"), {"username": "chef", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("customers:list")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("customers:list")).status_code == 302


def test_repeated_failures_lock_the_login_even_with_the_right_password(
    client, admin_user, settings
):
    # given five failed attempts from one address
    for _ in range(settings.HOSTKONTOR_LOGIN_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "chef", "password": "falsch"})
    # when the right password follows
    response = client.post(reverse("accounts:login"), {"username": "chef", "password": PASSWORD})
    # then the login is refused with the lock-out page
    assert response.status_code == 429
    assert b'data-testid="locked-out"' in response.content
    assert client.get(reverse("customers:list")).status_code == 302


def test_password_reset_mails_a_working_link(client, admin_user):
    client.post(reverse("accounts:password_reset"), {"email": "chef@example.com"})
    assert len(mail.outbox) == 1
    link = re.search(
        r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body
    ).group(1)
    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": "Ein-Neues-Passwort-7", "new_password2": "Ein-Neues-Passwort-7"}
    )
    assert response["Location"] == reverse("accounts:password_reset_complete")
    assert User.objects.get(username="chef").check_password("Ein-Neues-Passwort-7")


def test_admin_creates_a_user_with_a_role_who_gets_a_password_mail(admin_client):
    response = admin_client.post(
        reverse("accounts:user_create"),
        {
            "username": "neu",
            "email": "neu@example.com",
            "role": "Support",
            "language": "en",
            "is_active": "on",
        },
    )
    assert response["Location"] == reverse("accounts:user_list")
    user = User.objects.get(username="neu")
    assert [g.name for g in user.groups.all()] == ["Support"]
    assert user.profile.language == "en" and not user.has_usable_password()
    assert mail.outbox[0].to == ["neu@example.com"]
    assert AuditEvent.objects.filter(action="user.created", object_id=str(user.pk)).count() == 1


def test_user_management_is_for_admins_only(client, billing_user):
    client.force_login(billing_user)
    assert client.get(reverse("accounts:user_list")).status_code == 403


def test_admin_cannot_demote_themselves(admin_client, admin_user):
    response = admin_client.post(
        reverse("accounts:user_edit", args=[admin_user.pk]),
        {"email": "chef@example.com", "role": "Billing", "language": "de", "is_active": "on"},
    )
    assert response.status_code == 200
    assert [g.name for g in admin_user.groups.all()] == ["Admin"]


def test_language_is_german_by_default_and_switchable_per_user(admin_client, admin_user):
    # given a user with the default language
    page = admin_client.get(reverse("customers:list")).content.decode()
    assert 'lang="de"' in page and ">Suchen<" in page
    # when they switch to English
    admin_client.post(reverse("accounts:set_language"), {"language": "en", "next": "/customers/"})
    # then the profile remembers it and pages are English
    admin_user.profile.refresh_from_db()
    assert admin_user.profile.language == "en"
    page = admin_client.get(reverse("customers:list")).content.decode()
    assert 'lang="en"' in page and ">Search<" in page


def test_user_list_runs_a_fixed_number_of_queries(admin_client):
    # given a few users with roles
    url = reverse("accounts:user_list")
    make_user("b1", role="Billing")
    with CaptureQueriesContext(connection) as few:
        assert admin_client.get(url).status_code == 200
    # when there are many more, of every role
    for i in range(12):
        make_user(f"u{i}", role=["Billing", "Support", "Technician", None][i % 4])
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)
    # then the page costs the same and shows every user with their role
    assert len(few) == len(many)
    assert len(response.context["rows"]) == 14
    assert [row["role"] for row in response.context["rows"]][:3] == ["Billing", "Admin", "Billing"]
