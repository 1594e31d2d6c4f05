"""Charts for the dashboard as inline SVG, drawn on the server: no script, no CDN."""

from __future__ import annotations

from html import escape

WIDTH = 640
BAR_COLOURS = {"answered": "#2a7f62", "need_more_detail": "#e0a526",
               "cannot_answer": "#c8553d", "talk_to_a_person": "#4f6d7a", "blocked": "#6c757d"}
DEFAULT_COLOUR = "#1d3557"


def columns(points: list[tuple[str, float]], title: str, height: int = 200) -> str:
    """A column per point (e.g. questions per day), labelled below, values on hover."""
    if not points:
        return empty(title)
    top = max(v for _, v in points) or 1
    plot_h = height - 40
    slot = min(60.0, (WIDTH - 40) / len(points))  # a few days do not make giant columns
    label_every = max(1, round(len(points) / 10))
    parts = [svg_open(title, WIDTH, height)]
    for i, (label, value) in enumerate(points):
        h = plot_h * value / top
        x = 30 + i * slot
        parts.append(f'<rect class="bar" x="{x + slot * 0.1:.1f}" y="{10 + plot_h - h:.1f}" '
                     f'width="{slot * 0.8:.1f}" height="{h:.1f}" fill="{DEFAULT_COLOUR}">'
                     f"<title>{escape(label)}: {value:g}</title></rect>")
        if i % label_every == 0:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{height - 12}" font-size="10" '
                         f'text-anchor="middle">{escape(label[-5:])}</text>')
    parts.append(f'<text x="4" y="18" font-size="10">{top:g}</text></svg>')
    return "".join(parts)


def bars(items: list[tuple[str, float]], title: str, unit: str = "",
         colours: dict[str, str] | None = None, width: int = 420) -> str:
    """Horizontal bars with their label and value (status mix, top documents, latency)."""
    if not items:
        return empty(title)
    row = 26
    height = row * len(items) + 10
    top = max(v for _, v in items) or 1
    label_w = round(width * 0.42)
    parts = [svg_open(title, width, height)]
    for i, (label, value) in enumerate(items):
        y = 5 + i * row
        w = (width - label_w - 80) * value / top
        colour = (colours or {}).get(label, DEFAULT_COLOUR)
        shown = label if len(label) <= 26 else label[:25] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" font-size="12" text-anchor="end">'
                     f"<title>{escape(label)}</title>{escape(shown)}</text>")
        parts.append(f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="18" '
                     f'fill="{colour}"><title>{escape(label)}: {value:g}{unit}</title></rect>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" font-size="12">'
                     f"{value:g}{unit}</text>")
    parts.append("</svg>")
    return "".join(parts)


def svg_open(title: str, width: int, height: int) -> str:
    return (f'<svg class="chart" role="img" aria-label="{escape(title)}" '
            f'viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{escape(title)}</title>")


def empty(title: str) -> str:
    return (f'{svg_open(title, WIDTH, 40)}<text x="10" y="25" font-size="12">'
            f"No data in this period.</text></svg>")


def heatmap(rows: list[str], columns: list[str], values: dict[tuple[str, str], float | None],
            title: str, hidden: str = "–", unit: str = "") -> str:
    """A grid of cells (e.g. skill area x level), darker for larger values; a cell that is
    None is drawn blank with ``hidden`` (too few people, or nothing to show)."""
    if not rows or not columns:
        return empty(title)
    label_w, cell_w, cell_h, head_h = 190, max(48, min(110, (WIDTH - 190) // len(columns))), 30, 34
    width = label_w + cell_w * len(columns) + 10
    height = head_h + cell_h * len(rows) + 6
    shown = [v for v in values.values() if v is not None]
    top = max(shown) if shown else 1
    # drawn at its own size: a grid of a few cells must not be blown up to the page's width
    parts = [svg_open(title, width, height).replace(
        'width="100%"', f'width="100%" style="max-width:{width}px"', 1)]
    for j, column in enumerate(columns):
        x = label_w + j * cell_w + cell_w / 2
        parts.append(f'<text x="{x:.1f}" y="{head_h - 10}" font-size="11" text-anchor="middle">'
                     f"{escape(column)}</text>")
    for i, row in enumerate(rows):
        y = head_h + i * cell_h
        shown_row = row if len(row) <= 28 else row[:27] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + 19}" font-size="12" text-anchor="end">'
                     f"<title>{escape(row)}</title>{escape(shown_row)}</text>")
        for j, column in enumerate(columns):
            x = label_w + j * cell_w
            value = values.get((row, column))
            if value is None:
                fill, text, ink = "#eef1f4", hidden, "#5c6670"
            else:
                share = value / top if top else 0
                fill, text = shade(share), f"{value:g}{unit}"
                ink = "#fff" if share > 0.55 else "#1b1f24"
            parts.append(f'<rect class="cell" x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" '
                         f'height="{cell_h - 2}" fill="{fill}"><title>{escape(row)}, '
                         f"{escape(column)}: {escape(text)}</title></rect>")
            parts.append(f'<text x="{x + cell_w / 2:.1f}" y="{y + 19}" font-size="11" '
                         f'text-anchor="middle" fill="{ink}">{escape(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def shade(share: float) -> str:
    """From a pale tint (0) to the brand's dark blue (1)."""
    low, high = (0xe8, 0xee, 0xf6), (0x1d, 0x35, 0x57)
    share = min(1.0, max(0.0, share))
    r, g, b = (round(lo + (hi - lo) * share) for lo, hi in zip(low, high, strict=True))
    return f"#{r:02x}{g:02x}{b:02x}"
