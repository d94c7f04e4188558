"""Test users with a role, created through the accounts service like real ones.

The role groups come from `migrate` (which created the test database), as in a real
installation: no sync here, so a role missing a permission after `migrate` fails tests."""

from hostkontor.accounts.services import user_create

PASSWORD = "Korrekt-Pferd-Batterie-42"


def make_user(username: str, *, role: str | None, language: str = "de"):
    return user_create(
        actor=None,
        username=username,
        email=f"{username}@example.com",
        first_name=username.capitalize(),
        role=role,
        language=language,
        password=PASSWORD,
    )
