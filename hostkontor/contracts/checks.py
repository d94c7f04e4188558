"""Startup checks of the contracts' settings: a bad approval limit stops the start, not the
first one-off item."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .one_off_items import approval_limit


def item_approval_limit_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    try:
        approval_limit()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="contracts.E001")]
    return []
