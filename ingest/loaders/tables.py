"""Tables as text that reads on its own when one row is quoted: "Header: value; Header: value"."""

from __future__ import annotations


def rows_to_text(rows: list[list[str]], has_header: bool) -> str:
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return ""
    header = rows[0] if has_header and len(rows) > 1 else None
    lines = [" | ".join(c for c in header if c)] if header else []
    for cells in rows[1:] if header else rows:
        if header and len(cells) == len(header):
            pairs = (f"{h}: {c}" if h else c for h, c in zip(header, cells, strict=True) if c)
            lines.append("; ".join(pairs))
        else:
            lines.append(" | ".join(c for c in cells if c))
    return "\n".join(line for line in lines if line)
