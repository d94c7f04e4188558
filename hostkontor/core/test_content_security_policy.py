"""The Content-Security-Policy: on every response, and templates that need nothing inline."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def url_names_without_arguments(resolver=None, namespace=""):
    """Every named URL of the project that takes no arguments, e.g. ``customers:list``."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_names_without_arguments(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name and not entry.pattern.regex.groups:
            yield namespace + entry.name


@pytest.mark.django_db
def test_every_page_without_arguments_carries_the_policy(admin_client):
    # given every page of the project that needs no object
    names = sorted(set(url_names_without_arguments()))
    assert len(names) > 20
    # when an admin opens each of them
    missing = {}
    for name in names:
        response = admin_client.get(reverse(name))
        if response.get("Content-Security-Policy") != POLICY:
            missing[name] = response.status_code
    # then each response carries the policy, whatever its status
    assert missing == {}


@pytest.mark.django_db
def test_login_page_errors_and_static_files_carry_the_policy(client):
    # when an anonymous visitor opens the login page, an unknown page and a static file
    responses = [
        client.get(reverse("accounts:login")),
        client.get("/no-such-page/"),
        client.get("/static/hostkontor/hostkontor.js"),
    ]
    # then every response carries the policy
    assert [r.status_code for r in responses] == [200, 302, 200]
    assert [r["Content-Security-Policy"] for r in responses] == [POLICY] * 3


def test_the_policy_is_the_settings_policy():
    assert settings.CONTENT_SECURITY_POLICY == POLICY


# Templates rendered to PDF by WeasyPrint never reach a browser and keep their <style>.
PDF_TEMPLATE_DIRS = {"pdf", "sheet"}
FORBIDDEN = {
    "inline event handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "htmx inline handler": re.compile(r"\shx-on[:-]", re.IGNORECASE),
    "inline script": re.compile(
        r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/json\")", re.IGNORECASE
    ),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
    "style element": re.compile(r"<style[\s>]", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def browser_templates():
    root = Path(settings.BASE_DIR) / "hostkontor"
    for path in sorted(root.glob("*/templates/**/*.html")):
        if not PDF_TEMPLATE_DIRS & set(path.relative_to(root).parts):
            yield path


def test_no_template_needs_inline_script_handlers_or_styles():
    # given every template a browser renders
    templates = list(browser_templates())
    assert len(templates) > 40
    # when they are searched for what the policy blocks
    findings = []
    for path in templates:
        text = path.read_text()
        for what, pattern in FORBIDDEN.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                findings.append(f"{path.relative_to(settings.BASE_DIR)}:{line}: {what}")
    # then there is nothing: behaviour belongs in static JS, looks in CSS
    assert findings == []


@pytest.mark.django_db
def test_debug_error_pages_are_left_without_the_policy(admin_client, settings):
    # given DEBUG, where Django's own technical error pages use inline styles and scripts
    settings.DEBUG = True
    # when a signed-in user opens an unknown page, and a real one
    missing = admin_client.get("/no-such-page/")
    page = admin_client.get(reverse("customers:list"))
    # then only the technical error page goes without the policy
    assert (missing.status_code, missing.get("Content-Security-Policy")) == (404, None)
    assert page["Content-Security-Policy"] == POLICY
