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
