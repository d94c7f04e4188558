"""Throttling the doors without login: the login form per address across user names, and the
password-reset form per client address and per e-mail address, through the web client."""

import pytest
from django.core import mail
from django.urls import reverse

from hostkontor.testing.users import PASSWORD

from .models import ThrottleEvent

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.7"
OFFICE = "198.51.100.20"


def login(client, username, password, address):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


@pytest.fixture
def limits(settings):
    settings.HOSTKONTOR_LOGIN_FAILURE_LIMIT = 3
    settings.HOSTKONTOR_LOGIN_ADDRESS_FAILURE_LIMIT = 6
    return settings


def test_one_address_guessing_many_user_names_is_locked_out(client, admin_user, limits):
    # given six failures from one address, each for another user name (below the per-user limit)
    statuses = [login(client, f"user{i}", "falsch", ATTACKER).status_code for i in range(6)]
    assert statuses == [200, 200, 200, 200, 200, 429]
    # when the right password for a real user comes from that address
    response = login(client, "chef", PASSWORD, ATTACKER)
    # then the address is locked for every user name
    assert response.status_code == 429
    assert b'data-testid="locked-out"' in response.content
    # and the same user from another address is not affected
    assert login(client, "chef", PASSWORD, OFFICE).status_code == 302


def test_failures_below_the_address_limit_do_not_lock_out(client, admin_user, limits):
    # given five failures from one address across user names
    for i in range(5):
        login(client, f"user{i}", "falsch", ATTACKER)
    # when a real user logs in from there
    response = login(client, "chef", PASSWORD, ATTACKER)
    # then it works
    assert response.status_code == 302


def test_a_successful_login_does_not_reset_the_address_count(client, admin_user, limits):
    # given five failures across user names, then a successful login from the same address
    for i in range(5):
        login(client, f"user{i}", "falsch", ATTACKER)
    assert login(client, "chef", PASSWORD, ATTACKER).status_code == 302
    client.post(reverse("accounts:logout"), REMOTE_ADDR=ATTACKER)
    # when one more failure follows
    login(client, "user9", "falsch", ATTACKER)
    # then the address is locked
    assert login(client, "chef", PASSWORD, ATTACKER).status_code == 429


def test_the_per_user_limit_stays_lower_than_the_address_limit(client, admin_user, limits):
    # given three failures for one user name from one address
    for _ in range(3):
        login(client, "chef", "falsch", ATTACKER)
    # then that user name is locked there, but another user name from the address is not
    assert login(client, "chef", PASSWORD, ATTACKER).status_code == 429
    assert login(client, "jemand", "falsch", ATTACKER).status_code == 200


def reset(client, email, address):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=address)


def test_password_reset_mails_are_limited_per_e_mail_address(client, admin_user, settings):
    settings.HOSTKONTOR_PASSWORD_RESET_LIMIT = 3
    # given three reset requests for one e-mail address, from three addresses
    for i in range(3):
        response = reset(client, "chef@example.com", f"192.0.2.{i}")
        assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 3
    # when a fourth comes from yet another address (in other letter case)
    response = reset(client, "Chef@Example.com", "192.0.2.99")
    # then the answer is the same page, but no mail goes out
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 3


def test_password_reset_mails_are_limited_per_client_address(client, admin_user, settings):
    settings.HOSTKONTOR_PASSWORD_RESET_LIMIT = 3
    # given three reset requests from one address for unknown e-mail addresses
    for i in range(3):
        reset(client, f"nobody{i}@example.com", ATTACKER)
    # when the same address asks for a real user's reset
    response = reset(client, "chef@example.com", ATTACKER)
    # then the answer is the usual one, but no mail goes out
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []
    # while the user's own request from the office still works
    reset(client, "chef@example.com", OFFICE)
    assert [m.to for m in mail.outbox] == [["chef@example.com"]]


def test_throttled_and_unknown_addresses_get_the_same_answer(client, admin_user, settings):
    settings.HOSTKONTOR_PASSWORD_RESET_LIMIT = 1
    # given the limit reached for a real user
    reset(client, "chef@example.com", OFFICE)
    # when the real user (throttled) and an unknown address (not throttled) are asked for
    throttled = reset(client, "chef@example.com", "192.0.2.1")
    unknown = reset(client, "niemand@example.com", "192.0.2.2")
    # then both answers are identical
    assert (throttled.status_code, throttled["Location"]) == (
        unknown.status_code,
        unknown["Location"],
    )
    assert len(mail.outbox) == 1


def test_the_throttle_table_holds_no_addresses(client, admin_user):
    # when a reset is requested
    reset(client, "chef@example.com", OFFICE)
    # then only hashes are stored
    keys = list(ThrottleEvent.objects.values_list("key", flat=True))
    assert len(keys) == 2 and all(len(k) == 64 and "@" not in k for k in keys)
    assert OFFICE not in keys
