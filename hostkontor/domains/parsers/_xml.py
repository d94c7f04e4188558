"""Small helpers for the built-in XML parsers (namespace-agnostic child access)."""

from __future__ import annotations

from lxml import etree

__all__ = ["child_text", "local", "record_children"]


def local(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def record_children(parent: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in parent if local(c) == name]


def child_text(element: etree._Element, *path: str) -> str | None:
    """Text of the first ``a/b/c`` descendant by local names, or None if absent."""
    current: etree._Element | None = element
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if local(c) == name), None)
    if current is None:
        return None
    return "".join(current.itertext())
