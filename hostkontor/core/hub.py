"""Panels on the customer hub (detail page), contributed by the apps.

Each app registers a panel: a template and a loader that returns its context for one
customer. Loaders run a fixed number of queries, whatever the customer owns.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HubPanel:
    key: str
    template: str
    loader: Callable  # (customer, user) -> dict | None (None hides the panel)
    permission: str | None = None
    order: int = 100


_panels: dict[str, HubPanel] = {}


def register_customer_panel(
    *, key: str, template: str, loader: Callable, permission: str | None = None, order: int = 100
) -> None:
    _panels[key] = HubPanel(key, template, loader, permission, order)


def customer_panels(customer, user) -> list[dict]:
    panels = []
    for panel in sorted(_panels.values(), key=lambda p: p.order):
        if panel.permission and not user.has_perm(panel.permission):
            continue
        context = panel.loader(customer, user)
        if context is not None:
            panels.append({"key": panel.key, "template": panel.template, "context": context})
    return panels
