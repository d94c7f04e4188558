"""Users, roles and preferences. Every change is audited."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from hostkontor.core.audit import audit_record

from .models import Profile
from .roles import ROLES

User = get_user_model()


def _set_role(user, role: str | None) -> None:
    if role is not None and role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    user.groups.remove(*user.groups.filter(name__in=ROLES))
    if role:
        user.groups.add(Group.objects.get(name=role))


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    email: str,
    first_name: str = "",
    last_name: str = "",
    role: str | None = None,
    language: str = "de",
    password: str | None = None,
    is_active: bool = True,
):
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_active=is_active,
        is_staff=role == "Admin",
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()  # the user sets one through the reset e-mail
    user.save()
    Profile.objects.create(user=user, language=language)
    _set_role(user, role)
    audit_record(
        actor=actor,
        action="user.created",
        obj=user,
        changes={"role": ["", role or ""], "email": ["", email]},
    )
    return user


@transaction.atomic
def user_update(
    *,
    actor,
    user,
    email: str,
    first_name: str,
    last_name: str,
    role: str | None,
    language: str,
    is_active: bool,
):
    old_role = user_role(user)
    profile, _ = Profile.objects.get_or_create(user=user)
    before = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": user.is_active,
        "language": profile.language,
        "role": old_role or "",
    }
    if (
        actor is not None
        and actor.pk == user.pk
        and (not is_active or role != "Admin")
        and old_role == "Admin"
    ):
        raise ValueError("You cannot remove your own administrator role or deactivate yourself.")
    user.email, user.first_name, user.last_name = email, first_name, last_name
    user.is_active = is_active
    user.is_staff = role == "Admin"
    user.save()
    profile.language = language
    profile.save()
    _set_role(user, role)
    after = {
        "email": email,
        "first_name": first_name,
        "last_name": last_name,
        "is_active": is_active,
        "language": language,
        "role": role or "",
    }
    changes = {k: [str(before[k]), str(after[k])] for k in after if str(before[k]) != str(after[k])}
    if changes:
        audit_record(actor=actor, action="user.updated", obj=user, changes=changes)
    return user


@transaction.atomic
def profile_set_language(*, user, language: str) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    if profile.language != language:
        audit_record(
            actor=user,
            action="user.language_changed",
            obj=user,
            changes={"language": [profile.language, language]},
        )
        profile.language = language
        profile.save(update_fields=["language"])
    return profile


def user_role(user) -> str | None:
    names = [g.name for g in user.groups.all() if g.name in ROLES]
    return names[0] if names else None


@transaction.atomic
def admin_ensure(*, username: str, email: str, password: str):
    """The first administrator, created by ``make run`` on an empty database."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_superuser(username=username, email=email, password=password)
        Profile.objects.create(user=user, language="de")
        _set_role(user, "Admin")
        audit_record(actor=None, action="user.created", obj=user, changes={"role": ["", "Admin"]})
    return user


def user_send_password_link(*, actor, user, domain: str, use_https: bool) -> None:
    """E-mail a link to set the password (new users have none; Django's reset form would skip them)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.core.mail import send_mail
    from django.template.loader import render_to_string
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode
    from django.utils.translation import override

    language = getattr(getattr(user, "profile", None), "language", "de")
    context = {
        "user": user,
        "domain": domain,
        "protocol": "https" if use_https else "http",
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }
    with override(language):
        subject = "".join(
            render_to_string("accounts/password_reset_subject.txt", context).splitlines()
        )
        body = render_to_string("accounts/password_reset_email.txt", context)
    send_mail(subject, body, None, [user.email])
    audit_record(actor=actor, action="user.password_link_sent", obj=user)
