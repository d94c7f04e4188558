"""Test users with a role, created through the accounts service like real ones."""

from hostkontor.accounts.roles import roles_sync
from hostkontor.accounts.services import user_create

PASSWORD = "Korrekt-Pferd-Batterie-42"


def make_user(username: str, *, role: str | None, language: str = "de"):
    roles_sync()
    return user_create(
        actor=None,
        username=username,
        email=f"{username}@example.com",
        first_name=username.capitalize(),
        role=role,
        language=language,
        password=PASSWORD,
    )
