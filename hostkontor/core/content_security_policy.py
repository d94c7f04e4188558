"""The Content-Security-Policy header on every response.

Django 5.2 has no CSP of its own. The policy (``settings.CONTENT_SECURITY_POLICY``) allows
scripts and styles only from our own static files, so an injected ``<script>``, ``onclick``
or ``style`` attribute does nothing even if escaping ever fails somewhere. Templates
therefore carry no inline script, event handlers or style attributes: behaviour lives in
``hostkontor/hostkontor.js`` (``data-confirm``, ``data-autosubmit``, ``data-conceal``,
``data-progress``), looks in ``hostkontor.css``; a test greps the templates for them.
"""

from django.conf import settings

HEADER = "Content-Security-Policy"


class ContentSecurityPolicyMiddleware:
    """Sets the policy unless a view set its own; skips Django's technical error pages with
    DEBUG (they are built from inline styles and scripts and only exist in development)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if not policy or (settings.DEBUG and response.status_code in {404, 500}):
            return response
        response.headers.setdefault(HEADER, policy)
        return response
