"""The product's main navigation, filled by the apps that exist.

The sections are fixed by the product (Suchen | Aufgaben | Dokumenteneingang | Zeiterfassung |
Projekte | ISP | Inkasso | Angebote); a section appears only when an installed app registered
an entry in it that the current user may open, so there are no dead links.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

SECTIONS = [
    ("search", _("Search")),
    ("tasks", _("Tasks")),
    ("inbox", _("Document inbox")),
    ("time", _("Time tracking")),
    ("projects", _("Projects")),
    ("isp", _("ISP")),
    ("collection", _("Collection")),
    ("offers", _("Offers")),
]


@dataclass(frozen=True)
class NavEntry:
    section: str
    label: str
    url_name: str
    permission: str | None = None
    order: int = 100


_entries: list[NavEntry] = []


def register_nav(
    *, section: str, label, url_name: str, permission: str | None = None, order: int = 100
) -> None:
    if section not in dict(SECTIONS):
        raise ValueError(f"unknown navigation section {section!r}")
    entry = NavEntry(section, label, url_name, permission, order)
    if entry not in _entries:
        _entries.append(entry)


def navigation_for(user, current_path: str = "") -> list[dict]:
    """The sections the user sees, each with its entries (first entry = the section's link)."""
    sections = []
    for key, label in SECTIONS:
        entries = [
            e
            for e in sorted(_entries, key=lambda e: e.order)
            if e.section == key and (e.permission is None or user.has_perm(e.permission))
        ]
        if not entries:
            continue
        items = [{"label": e.label, "url": reverse(e.url_name)} for e in entries]
        active = any(current_path.startswith(item["url"]) for item in items)
        sections.append({"key": key, "label": label, "items": items, "active": active})
    return sections
