"""Small HTML helpers of the notebook views: every text goes through redact before it is escaped."""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Sequence
from typing import Final

import httpx

from kpn_contract.redact import redact

_EXCERPT_CHARS: Final = 1200
_STYLE: Final = "font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px"


def _text(value: object) -> str:
    return html.escape(redact(str(value)))


def _badge(text: str, *, ok: bool) -> str:
    colour = "#1e8449" if ok else "#c0392b"
    return (
        f'<span style="background:{colour};color:white;border-radius:3px;padding:1px 6px">'
        f"{html.escape(text)}</span>"
    )


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    head = "".join(f'<th style="text-align:left">{html.escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td style="text-align:left;vertical-align:top">{_text(cell)}</td>' for cell in row)
        + "</tr>"
        for row in rows
    )
    return f'<table style="{_STYLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _pairs(pairs: Iterable[tuple[str, str]]) -> str:
    """A two-column key/value table; values are already HTML."""
    rows = "".join(
        f'<tr><th style="text-align:left;padding-right:1em">{html.escape(k)}</th>'
        f'<td style="text-align:left">{v}</td></tr>'
        for k, v in pairs
    )
    return f'<table style="{_STYLE}">{rows}</table>'


def _excerpt(response: httpx.Response) -> str:
    """A redacted excerpt of the body: pretty-printed JSON when it is JSON."""
    raw = response.content
    if not raw:
        return "(empty body)"
    try:
        text = json.dumps(json.loads(raw), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        text = raw.decode("utf-8", "replace")
    if len(text) > _EXCERPT_CHARS:
        text = text[:_EXCERPT_CHARS] + f"\n… ({len(raw)} bytes in all)"
    return redact(text)
