"""Fault injection: what can go wrong, per endpoint, optionally for the next N requests only.

A rule names an endpoint as ``"METHOD /path"``, where both parts are shell-style globs matched
against the route's path template *and* the literal path (``POST /v2/*``, ``* /api/*``,
``GET /api/devices``). The command-line form is ``ENDPOINT=FAULT[:ARG][:key=value]...``::

    GET /api/devices=500                    a 500 status (any 5xx)
    POST /oauth/*=429:retry-after=1         a 429 with Retry-After: 1
    GET /api/devices=latency:0.5:times=2    half a second of latency, for the next two requests
    GET /api/devices=reset                  the connection is dropped without a response
    GET /api/devices=malformed-json         the real response, cut in half (invalid JSON)
    GET /api/devices=html:503               an HTML error page (default 502)
    GET /api/devices=truncated              Content-Length promises more than is sent; then close
    POST /v2/*=expire-early:1               tokens issued here die after 1 s (the body still says 3600)
    GET /api/devices=expire-early:1         this endpoint rejects tokens older than 1 s
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kpn_contract.errors import UsageError

__all__ = ["Fault", "FaultBook", "FaultRule", "make_rule", "parse_fault_spec"]


class Fault(StrEnum):
    """The kinds of fault the emulator can inject."""

    LATENCY = "latency"
    STATUS = "status"
    RESET = "reset"
    MALFORMED_JSON = "malformed-json"
    HTML = "html"
    TRUNCATED = "truncated"
    EXPIRE_EARLY = "expire-early"
    RATE_LIMIT = "rate-limit"


# The one positional argument each fault takes, and its default.
_POSITIONAL: dict[Fault, tuple[str, float | int | None]] = {
    Fault.LATENCY: ("seconds", 1.0),
    Fault.STATUS: ("status", 503),
    Fault.HTML: ("status", 502),
    Fault.RATE_LIMIT: ("retry_after", 1),
    Fault.EXPIRE_EARLY: ("seconds", 1.0),
    Fault.RESET: ("", None),
    Fault.MALFORMED_JSON: ("", None),
    Fault.TRUNCATED: ("", None),
}
_ALIASES = {"429": Fault.RATE_LIMIT, "5xx": Fault.STATUS, "malformed": Fault.MALFORMED_JSON}
_METHOD_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ*?[]")


@dataclass
class FaultRule:
    """One injected fault: where it applies, what it does, and how many more times (None = always)."""

    method: str
    path: str
    fault: Fault
    seconds: float | None = None
    status: int | None = None
    retry_after: int | None = None
    times: int | None = None
    applied: int = field(default=0, compare=False)

    @property
    def endpoint(self) -> str:
        return f"{self.method} {self.path}"

    def matches(self, method: str, template: str, path: str) -> bool:
        """Whether this rule covers a request to ``path`` (route ``template``) with ``method``."""
        if not fnmatch.fnmatchcase(method, self.method):
            return False
        return fnmatch.fnmatchcase(template, self.path) or fnmatch.fnmatchcase(path, self.path)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form served by ``GET /_emulator/faults``."""
        return {
            "endpoint": self.endpoint,
            "fault": str(self.fault),
            "seconds": self.seconds,
            "status": self.status,
            "retry_after": self.retry_after,
            "times": self.times,
            "applied": self.applied,
        }


def _parse_endpoint(endpoint: str, *, source: str) -> tuple[str, str]:
    parts = endpoint.strip().split()
    if len(parts) == 1:
        method, path = "*", parts[0]
    elif len(parts) == 2:
        method, path = parts[0].upper(), parts[1]
    else:
        raise UsageError(f"fault {source!r}: endpoint {endpoint!r} must be 'METHOD /path' or '/path'")
    if not set(method) <= _METHOD_CHARS:
        raise UsageError(f"fault {source!r}: {method!r} is not an HTTP method")
    if not (path.startswith("/") or path == "*"):
        raise UsageError(f"fault {source!r}: path {path!r} must start with '/'")
    return method, path


def _parse_fault(word: str, *, source: str) -> tuple[Fault, dict[str, Any]]:
    word = word.strip().lower()
    if word.isdigit() and len(word) == 3 and word.startswith("5"):
        return Fault.STATUS, {"status": int(word)}
    if word in _ALIASES:
        return _ALIASES[word], {}
    try:
        return Fault(word), {}
    except ValueError:
        known = ", ".join([*(str(f) for f in Fault), "429", "5xx codes"])
        raise UsageError(f"fault {source!r}: unknown fault {word!r}; known: {known}") from None


def _number(text: str, name: str, *, source: str, integer: bool) -> float | int:
    try:
        value: float | int = int(text) if integer else float(text)
    except ValueError:
        kind = "an integer" if integer else "a number"
        raise UsageError(f"fault {source!r}: {name} {text!r} is not {kind}") from None
    if value < 0:
        raise UsageError(f"fault {source!r}: {name} must not be negative")
    return value


def make_rule(
    endpoint: str,
    fault: Fault | str,
    *,
    times: int | None = None,
    source: str | None = None,
    **params: Any,
) -> FaultRule:
    """Build and check one rule. ``params``: ``seconds``, ``status`` or ``retry_after`` (per fault)."""
    label = source or endpoint
    method, path = _parse_endpoint(endpoint, source=label)
    implied: dict[str, Any] = {}
    if isinstance(fault, Fault):
        kind = fault
    else:
        kind, implied = _parse_fault(str(fault), source=label)
    params = {**implied, **params}
    if times is not None and (not isinstance(times, int) or times < 1):
        raise UsageError(f"fault {label!r}: times must be a positive integer")
    allowed, default = _POSITIONAL[kind]
    unknown = sorted(set(params) - {allowed})
    if unknown:
        raise UsageError(f"fault {label!r}: {kind} does not take {', '.join(unknown)}")
    rule = FaultRule(method=method, path=path, fault=kind, times=times)
    if allowed:
        raw = params.get(allowed, default)
        value = _number(str(raw), allowed.replace("_", "-"), source=label, integer=allowed != "seconds")
        setattr(rule, allowed, value)
    if kind is Fault.STATUS and not (rule.status is not None and 500 <= rule.status <= 599):
        raise UsageError(f"fault {label!r}: status {rule.status} is not a 5xx status")
    if kind is Fault.HTML and not (rule.status is not None and 400 <= rule.status <= 599):
        raise UsageError(f"fault {label!r}: an HTML error page needs a 4xx or 5xx status, not {rule.status}")
    return rule


def parse_fault_spec(text: str) -> FaultRule:
    """Parse the command-line form ``ENDPOINT=FAULT[:ARG][:key=value]...`` (see the module docstring).

    Raises :class:`~kpn_contract.errors.UsageError` with a one-line message naming the bad part.
    """
    endpoint, sep, rest = text.partition("=")
    if not sep or not endpoint.strip() or not rest.strip():
        raise UsageError(f"fault {text!r}: expected ENDPOINT=FAULT, for example 'GET /api/devices=500'")
    word, *options = rest.split(":")
    kind, params = _parse_fault(word, source=text)
    times: int | None = None
    positional = _POSITIONAL[kind][0]
    for option in options:
        key, has_value, value = option.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not has_value:
            if not positional or positional in params:
                raise UsageError(f"fault {text!r}: unexpected argument {option!r} for {kind}")
            params[positional] = option.strip()
        elif key == "times":
            times = int(_number(value, "times", source=text, integer=True))
            if times < 1:
                raise UsageError(f"fault {text!r}: times must be at least 1")
        else:
            params[key] = value
    return make_rule(endpoint, kind, times=times, source=text, **params)


class FaultBook:
    """The active rules of one emulator, safe to change from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules.append(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def snapshot(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def take(self, method: str, template: str, path: str) -> list[FaultRule]:
        """The rules that apply to this request, each used once: every matching latency rule,
        then at most one other rule (the first added). Rules whose ``times`` run out are dropped."""
        chosen: list[FaultRule] = []
        with self._lock:
            terminal_taken = False
            for rule in self._rules:
                if not rule.matches(method, template, path):
                    continue
                if rule.fault is not Fault.LATENCY:
                    if terminal_taken:
                        continue
                    terminal_taken = True
                rule.applied += 1
                if rule.times is not None:
                    rule.times -= 1
                chosen.append(rule)
            self._rules = [r for r in self._rules if r.times is None or r.times > 0]
        return chosen
