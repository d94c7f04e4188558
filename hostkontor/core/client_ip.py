"""The address a request came from, for the audit trail.

Behind ``HOSTKONTOR_PROXY_COUNT`` trusted reverse proxies, the client is that many entries
from the right of ``X-Forwarded-For`` (entries further left are client-controlled);
without proxies it is ``REMOTE_ADDR``.
"""

from django.conf import settings


def client_ip(request) -> str | None:
    proxies = getattr(settings, "HOSTKONTOR_PROXY_COUNT", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")
