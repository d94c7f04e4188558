"""``manage.py check`` (and every start) names a bad checks setting before any check runs."""

from django.conf import settings
from django.core.checks import Error

from .targets import parse_networks


def checks_settings(app_configs=None, **kwargs) -> list[Error]:
    errors = []
    try:
        parse_networks(getattr(settings, "CHECKS_ALLOWED_NETWORKS", "") or "")
    except ValueError as error:
        errors.append(Error(f"HOSTKONTOR_CHECKS_ALLOWED_NETWORKS: {error}", id="checks.E001"))
    per_host = getattr(settings, "CHECKS_PER_HOST", 4)
    if not isinstance(per_host, int) or per_host < 1:
        errors.append(Error("HOSTKONTOR_CHECKS_PER_HOST must be at least 1", id="checks.E002"))
    return errors
