"""pytest's sinks outside a test report, redacted without changing the shape of pytest's objects.

* the warnings summary: a recorded warning's message is replaced by one of the same category;
* the banners of ``pytest.exit(msg)`` and ``KeyboardInterrupt(msg)`` (the exception's message);
* ``--debug``'s ``pytestdebug.log``: the tracer's writer redacts each line it writes;
* reprs that pytest shortens (``-l`` locals, assertion reprs, explanations cut to 8 lines) or splits
  (``-vv`` diffs wrap long strings at whitespace): the detector sees the whole value first, so no
  first or last characters of a secret survive;
* parametrize IDs: an ID part holding a registered value is replaced by a stable opaque one, so
  ``-v``, ``--collect-only``, ``--durations``, JUnit ``name=``, ``.pytest_cache`` and cassette names
  never hold it.

pytest has no public hook for the tracer's writer, saferepr or a test ID's parts; the private names
used here (``_pytest._io.saferepr``, ``TagTracer.setwriter``, ``Metafunc._calls``, ``CallSpec._idlist``)
are checked by ``tests/unit/plugin/test_sinks.py`` against the pytest installed.
"""

from __future__ import annotations

import dataclasses
import functools
import linecache
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from kpn_contract.redact import REDACTED, redact
from kpn_contract.secrets import contains_secret

if TYPE_CHECKING:
    import warnings

    import pytest

__all__ = [
    "guard_debug_log",
    "guard_saferepr",
    "opaque_parametrize_ids",
    "redact_explanation",
    "redact_interrupt",
    "redact_warning",
]

_guard_lock = threading.Lock()
_writing = threading.local()
_saferepr_guarded = False


def redact_warning(message: warnings.WarningMessage) -> None:
    """Redact a recorded warning in place: its message, and the source line the summary shows."""
    if message.line is None and message.filename:
        source = linecache.getline(message.filename, message.lineno)
        cleaned_source = redact(source)
        if cleaned_source != source:
            message.line = cleaned_source  # warnings.formatwarning shows this line instead
    warning = message.message
    text = str(warning)
    cleaned = redact(text)
    if cleaned == text:
        return
    category = type(warning) if isinstance(warning, Warning) else message.category
    try:
        message.message = category(cleaned)
    except Exception:  # noqa: BLE001 - a user's Warning subclass with another signature
        message.message = UserWarning(cleaned)


def redact_interrupt(excinfo: pytest.ExceptionInfo[BaseException]) -> None:
    """Redact the message of ``pytest.exit(msg)`` or ``KeyboardInterrupt(msg)`` before its banner is made."""
    error = excinfo.value
    args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in error.args)
    if args != error.args:
        error.args = args
    msg = getattr(error, "msg", None)
    if isinstance(msg, str):
        error.msg = redact(msg)  # type: ignore[attr-defined]  # pytest's Exit and OutcomeException


def guard_debug_log(config: pytest.Config) -> None:
    """``--debug``: every line the tracer writes to ``pytestdebug.log`` from now on is redacted."""
    root = config.trace.root
    writer: Callable[[str], object] | None = getattr(root, "_writer", None)
    if writer is None or getattr(writer, "kpn_redacting", False):
        return

    def redacting(text: str) -> None:
        if getattr(_writing, "busy", False):
            return  # traced while redacting (an import while the detector builds): no line, never raw
        _writing.busy = True
        try:
            writer(redact(text))
        finally:
            _writing.busy = False

    redacting.kpn_redacting = True  # type: ignore[attr-defined]
    root.setwriter(redacting)


def _whole_then_cut(ellipsize: Callable[[str, int], str], text: str, maxsize: int) -> str:
    if len(text) > maxsize and contains_secret(text):
        text = redact(text)
    return ellipsize(text, maxsize)


def guard_saferepr() -> None:
    """Make pytest's saferepr redact a value before it cuts it (``-l`` locals, assertion reprs).

    saferepr keeps the start and the end of a long repr; cut through a secret, neither half is a
    form the detector knows. So the whole text is searched before the cut: a long string before
    reprlib shortens it, and the assembled repr before ``_ellipsize``. Process-wide and idempotent.
    """
    global _saferepr_guarded  # noqa: PLW0603 - one patch per process
    from _pytest._io import saferepr

    with _guard_lock:
        if _saferepr_guarded:
            return
        saferepr._ellipsize = functools.partial(_whole_then_cut, saferepr._ellipsize)
        repr_str = saferepr.SafeRepr.repr_str

        def redacting_repr_str(self: Any, x: str, level: int) -> str:
            if len(x) > self.maxstring and contains_secret(x):
                x = redact(x)
            return str(repr_str(self, x, level))

        saferepr.SafeRepr.repr_str = redacting_repr_str  # type: ignore[method-assign]
        _guard_pprint()
        _saferepr_guarded = True


def _guard_pprint() -> None:
    """``-vv`` diffs: pytest's pretty-printer splits a long string at whitespace, inside a secret too."""
    try:
        from _pytest._io import pprint
    except ImportError:  # pytest before 8.0 had no pretty-printer of its own
        return
    dispatch: dict[Any, Any] = getattr(pprint.PrettyPrinter, "_dispatch", {})
    original = dispatch.get(str.__repr__)
    if original is None:
        return

    def redacting_pprint_str(self: Any, obj: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(obj, str) and contains_secret(obj):
            obj = redact(obj)
        return original(self, obj, *args, **kwargs)

    dispatch[str.__repr__] = redacting_pprint_str


def redact_explanation(explanations: list[Any]) -> list[Any]:
    """Redact the assertion explanations of ``pytest_assertrepr_compare`` before pytest truncates them."""
    return [_redacted_lines(lines) for lines in explanations]


def _redacted_lines(lines: Iterable[str] | None) -> Iterable[str] | None:
    if lines is None:
        return None
    if isinstance(lines, list):  # pytest 8: a list, measured with len()
        return [redact(line) for line in lines]
    return _lazily_redacted(lines)


def _lazily_redacted(lines: Iterable[str]) -> Iterator[str]:
    # pytest 9 materialises explanations lazily and stops after a few lines when it truncates.
    for line in lines:
        yield redact(line)


@functools.cache
def _public_values() -> tuple[str, ...]:
    from kpn_contract.config import _demo

    values = (v for v in vars(_demo).values() if isinstance(v, str) and len(v) > 1)
    return tuple(sorted(values, key=len, reverse=True))


def _holds_secret(part: str) -> bool:
    # The emulator's documented demo credentials are public: a test ID may name them.
    for public in _public_values():
        part = part.replace(public, "")
    return contains_secret(part)


def opaque_parametrize_ids(metafunc: pytest.Metafunc) -> None:
    """Replace each parametrize ID part holding a registered value by ``REDACTED`` (numbered if needed).

    The replacement is stable across runs (it depends on the parametrization's order, as pytest's own
    de-duplicating numbers do), so ``--lf``, ``.pytest_cache`` and cassette names keep working.
    """
    calls = getattr(metafunc, "_calls", None)
    if not calls:
        return
    changed = False
    renamed: list[list[str]] = []
    for callspec in calls:
        parts = [str(part) for part in callspec._idlist]
        new = [redact(part) if _holds_secret(part) else part for part in parts]
        new = [REDACTED if _holds_secret(part) else part for part in new]  # what redact could not place
        changed |= new != parts
        renamed.append(new)
    if not changed:
        return
    ids = ["-".join(parts) for parts in renamed]
    for index, parts in enumerate(renamed):
        if ids.count(ids[index]) > 1:
            parts[-1] += str(index)  # as pytest numbers duplicate IDs
    metafunc._calls = [
        dataclasses.replace(callspec, _idlist=tuple(parts))
        for callspec, parts in zip(calls, renamed, strict=True)
    ]
