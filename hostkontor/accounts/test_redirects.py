"""No open redirects: every ``next`` target that leaves the site falls back to a page of ours."""

import pytest
from django.urls import reverse

from hostkontor.testing.users import PASSWORD

pytestmark = pytest.mark.django_db

FOREIGN_TARGETS = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "http:/evil.example/",
    "javascript:alert(1)",
]


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_login_does_not_redirect_to_another_site(client, admin_user, target):
    # given a login link that carries a foreign next target
    url = reverse("accounts:login") + "?next=" + target
    # when the user logs in through it
    response = client.post(url, {"username": "chef", "password": PASSWORD})
    # then they land on the home page, not away
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_login_follows_a_next_target_on_this_site(client, admin_user):
    # given a login link back to the customer list
    url = reverse("accounts:login") + "?next=/customers/?q=Melle"
    # when the user logs in
    response = client.post(url, {"username": "chef", "password": PASSWORD})
    # then they go there
    assert response["Location"] == "/customers/?q=Melle"


def test_signed_in_user_opening_the_login_link_is_not_sent_away(admin_client):
    # when a signed-in user opens a login link with a foreign target
    response = admin_client.get(reverse("accounts:login") + "?next=https://evil.example/")
    # then they stay here
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_language_switch_does_not_redirect_to_another_site(admin_client, target):
    # when the header's language switch is posted with a foreign next target
    response = admin_client.post(
        reverse("accounts:set_language"), {"language": "en", "next": target}
    )
    # then it redirects to the start page
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_profile_language_form_does_not_redirect_to_another_site(admin_client, target):
    # when the profile's language form is posted with a foreign next target
    response = admin_client.post(reverse("accounts:profile"), {"language": "en", "next": target})
    # then it goes back to the profile
    assert response["Location"] == reverse("accounts:profile")


def test_language_switch_returns_to_the_page_it_came_from(admin_client):
    response = admin_client.post(
        reverse("accounts:set_language"), {"language": "en", "next": "/customers/?page=2"}
    )
    assert response["Location"] == "/customers/?page=2"


def test_logout_does_not_redirect_to_another_site(admin_client):
    # when the logout is posted with a foreign next target
    response = admin_client.post(reverse("accounts:logout") + "?next=https://evil.example/")
    # then the user lands on the login page
    assert response["Location"] == reverse("accounts:login")
