"""Response headers in recordings (``kpn-contract drift``): what two sets of responses show about them.

Two rules can be seen in recordings. A response header the spec documents that came with every
baseline response of a status, and with none of the new ones, is ``response.header.removed``: only
documented headers count, since gateways and servers add and drop undocumented ones (``Date``,
``Via``, …) without any promise. And KPN's API Store sends a ``Sunset`` header on every response
(``n/a`` when there is none): a date appearing there is ``operation.sunset``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kpn_contract.drift.findings import FindingCollector
from kpn_contract.drift.spec.rules.lifecycle import sunset_date

if TYPE_CHECKING:
    from kpn_contract.contract.model import Operation

__all__ = ["HeaderShape", "compare_recorded_headers", "declared_headers"]


@dataclass
class HeaderShape:
    """The headers of one operation's responses with one status: how often each came, and sunsets."""

    samples: int = 0
    seen: Counter[str] = field(default_factory=Counter)  # lower-case name → responses carrying it
    declared: set[str] = field(default_factory=set)  # lower-case names the spec documents
    sunsets: set[str] = field(default_factory=set)  # readable Sunset dates, as sent

    def note(self, headers: Iterable[tuple[str, str]], declared: Iterable[str]) -> None:
        """Count one response's headers (``declared``: the names the spec documents for it)."""
        self.samples += 1
        self.declared.update(declared)
        names = set()
        for name, value in headers:
            names.add(name.lower())
            if name.lower() == "sunset" and sunset_date(value) is not None:
                self.sunsets.add(value.strip())
        self.seen.update(names)


def declared_headers(operation: Operation | None, status: int) -> set[str]:
    """The lower-case header names ``operation`` documents for ``status`` (exact, range, default)."""
    if operation is None:
        return set()
    for key in (str(status), f"{status // 100}XX", "default"):
        response = operation.responses.get(key)
        if response is not None:
            return {name.lower() for name in response.headers}
    return set()


def compare_recorded_headers(
    out: FindingCollector, key: str, status: int, shapes: tuple[HeaderShape, HeaderShape]
) -> None:
    """Documented headers that stopped coming, and a sunset date that appeared, for one status."""
    base, new = shapes
    if not base.samples or not new.samples:
        return
    for name in sorted(base.declared):
        if base.seen[name] == base.samples and not new.seen[name]:
            out.emit(
                "response.header.removed",
                key,
                f"/responses/{status}/headers/{name}",
                old="always sent",
                new=None,
                message=f"response header {name!r} came with every recorded {status} and now with none",
            )
    appeared = sorted(new.sunsets - base.sunsets)
    if appeared:
        out.emit(
            "operation.sunset",
            key,
            f"/responses/{status}/headers/sunset",
            old=sorted(base.sunsets) or None,
            new=appeared,
            message=f"{key} now answers with a sunset date: {', '.join(appeared)}",
        )
