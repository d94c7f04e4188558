"""Server-side inline SVG bar chart (no JavaScript, no external assets)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 180
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 12, 24


def _fmt(value: Decimal) -> str:
    return number_format(value.quantize(Decimal("0.1")), 1, use_l10n=True, force_grouping=True)


def bar_chart(
    points: Sequence[tuple[str, Decimal, bool]], *, included: Decimal, unit: str, title: str
) -> SafeString:
    """Bars of ``(label, value, highlighted)`` with a dashed line at ``included``. Highlighted
    bars (held periods) are drawn in the warning colour."""
    if not points:
        return mark_safe("")
    top = max([value for _, value, _ in points] + [included, Decimal(1)])
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    slot = plot_w / len(points)
    bar_w = max(2.0, slot * 0.7)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'class="usage-chart w-100" style="max-height:{HEIGHT}px" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" stroke="#adb5bd"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end" font-size="10" fill="#6c757d">{escape(_fmt(top))}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end" font-size="10" fill="#6c757d">0</text>',
        f'<text x="4" y="{TOP + plot_h / 2:.1f}" font-size="10" fill="#6c757d">{escape(unit)}</text>',
    ]
    label_every = max(1, len(points) // 12)
    for index, (label, value, highlighted) in enumerate(points):
        height = float(value / top) * plot_h
        x = LEFT + index * slot + (slot - bar_w) / 2
        y = TOP + plot_h - height
        colour = "#ffc107" if highlighted else "#0d6efd"
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{height:.1f}" fill="{colour}">'
            f"<title>{escape(label)}: {escape(_fmt(value))} {escape(unit)}</title></rect>"
        )
        if index % label_every == 0:
            parts.append(
                f'<text x="{x + bar_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle" font-size="10" '
                f'fill="#6c757d">{escape(label)}</text>'
            )
    if included > 0:
        y = TOP + plot_h - float(included / top) * plot_h
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#198754" '
            f'stroke-dasharray="4 3"><title>{escape(_fmt(included))} {escape(unit)}</title></line>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated text is escaped above
