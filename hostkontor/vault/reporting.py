"""Error pages and exception reports that hide passwords also with ``DEBUG`` on.

Django's :class:`~django.views.debug.SafeExceptionReporterFilter` honours
``sensitive_post_parameters``/``sensitive_variables`` only while ``DEBUG`` is off ("with DEBUG
on your site is not safe anyway"), so the technical 500 page of a developer or a misconfigured
server would show a posted or decrypted customer password. Views that handle passwords attach
:class:`SecretsHiddenFilter` to their request (``request.exception_reporter_filter``, which
Django's error page and the admins' report use), and it is active whatever ``DEBUG`` says.
"""

import functools

from django.views.debug import SafeExceptionReporterFilter

__all__ = ["SecretsHiddenFilter", "hide_secrets_in_error_reports"]


class SecretsHiddenFilter(SafeExceptionReporterFilter):
    def is_active(self, request) -> bool:
        return True


_FILTER = SecretsHiddenFilter()


def hide_secrets_in_error_reports(view):
    """Mark the request so that error pages and reports cleanse it even with DEBUG on."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        request.exception_reporter_filter = _FILTER
        return view(request, *args, **kwargs)

    return wrapper
