from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """What Hostkontor keeps about a user beyond Django's user: language, phone."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="de"
    )
    phone = models.CharField(_("phone"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("profile")
        permissions = [("manage_users", _("Can manage users and roles"))]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.language})"


class ThrottleEvent(models.Model):
    """One request counted against a rate limit (e.g. password-reset mails per address).

    Kept in the database, not a per-process cache, so that every web worker counts the same
    requests. ``key`` is a SHA-256 of the address or e-mail: the table holds no addresses.
    """

    scope = models.CharField(max_length=40)
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "created_at"])]

    def __str__(self) -> str:
        return f"{self.scope} {self.created_at:%Y-%m-%d %H:%M}"
