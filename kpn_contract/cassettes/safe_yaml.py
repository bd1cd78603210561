"""Parsing cassette YAML that may be hostile: no aliases or anchors, a size cap and a nesting cap.

A safe loader stops code execution (vcrpy advisory GHSA-rpj2-4hq8-938g) but not resource attacks:
YAML aliases expand on load, so a 125 KB "billion laughs" cassette took 1 GB in ``verify`` and in
replay. Cassettes never need aliases (neither vcrpy nor kpn_contract writes them), so any anchor or
alias is refused before a single object is built.

Speed: the check must not slow replay down. A regular expression finds every place where an anchor
or alias *could* start (``&`` or ``*`` at the start of a node: after whitespace, ``[``, ``{``, ``,``
or ``:``, or at the start of the text). Only a cassette with such a place is parsed to events by
libyaml to decide exactly; ordinary cassettes pay one regex scan. PyYAML's event API is used rather
than a hand-written tokenizer, because only the real parser knows what is a scalar's text.

The file itself is read by :func:`kpn_contract.files.read_guarded` (size, kind, symlinks); the
regex and the depth walk are :mod:`kpn_contract.files.parse`'s, which specs use with an alias budget.
"""

from __future__ import annotations

from typing import Any, Final

import yaml

from kpn_contract.files import MAX_DEPTH, MAX_FILE_BYTES, RefusedInputError, maybe_aliases
from kpn_contract.files import check_depth as _check_depth

__all__ = [
    "MAX_CASSETTE_BYTES",
    "MAX_NESTING_DEPTH",
    "HostileYAMLError",
    "check_depth",
    "check_size",
    "check_text",
    "load_untrusted",
]

# Far above any real cassette (3,000 interactions are about 3 MB), low enough to load in seconds.
MAX_CASSETTE_BYTES: Final = MAX_FILE_BYTES
# A cassette's own structure is 6 levels deep; the metadata adds a few. libyaml stops at 1,000 itself.
MAX_NESTING_DEPTH: Final = MAX_DEPTH

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_COLLECTION_START: Final = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_COLLECTION_END: Final = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


class HostileYAMLError(RefusedInputError):
    """The text is refused before it is built: anchors or aliases, too large, or nested too deep."""


def check_size(size: int) -> None:
    """Refuse a cassette larger than :data:`MAX_CASSETTE_BYTES` (checked before it is read)."""
    if size > MAX_CASSETTE_BYTES:
        raise HostileYAMLError(
            f"cassette is {size:,} bytes; the limit is {MAX_CASSETTE_BYTES:,} bytes (split it, or re-record)"
        )


def _refuse_anchors_and_depth(text: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            line = event.start_mark.line + 1 if event.start_mark else None
            raise HostileYAMLError(
                "YAML anchors and aliases are refused in cassettes (an alias can expand without bound)",
                line,
            )
        if isinstance(event, _COLLECTION_START):
            depth += 1
            if depth > MAX_NESTING_DEPTH:
                raise HostileYAMLError(_too_deep(), event.start_mark.line + 1 if event.start_mark else None)
        elif isinstance(event, _COLLECTION_END):
            depth -= 1


def _too_deep() -> str:
    return f"YAML nested deeper than {MAX_NESTING_DEPTH} levels is refused in cassettes"


def check_depth(data: Any) -> None:
    """Refuse loaded data nested deeper than :data:`MAX_NESTING_DEPTH` (iterative: no deep recursion)."""
    try:
        _check_depth(data, MAX_NESTING_DEPTH)
    except RefusedInputError:
        raise HostileYAMLError(_too_deep()) from None


def check_text(text: str) -> None:
    """Refuse ``text`` before it is loaded: too large, or holding an anchor or alias (or deep nesting)."""
    check_size(len(text.encode("utf-8")) if len(text) * 4 > MAX_CASSETTE_BYTES else len(text))
    if maybe_aliases(text):
        _refuse_anchors_and_depth(text)


def load_untrusted(text: str) -> Any:
    """Load ``text`` with the safe loader after refusing anchors, aliases and deep nesting.

    Raises :class:`HostileYAMLError` for those, and PyYAML's own errors for corrupt YAML.
    """
    check_text(text)
    data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    if isinstance(data, (dict, list)):
        check_depth(data)
    return data
