"""Notebook helpers: the plugin's profiles, tokens, validation and cassettes, with rich views.

::

    from kpn_contract import notebook
    nb = notebook.session("things", cassette="02-explore-kpn-things")
    nb.token()                                   # masked token, expiry, schema verdict
    nb.call("GET", "/api/devices", headers=...)  # status, operation, verdict, redacted body excerpt
    nb.violations                                # every violation so far, as a table

Where calls go is chosen by one environment variable, ``KPN_TARGET``: ``replay`` (the default: the
committed cassettes under ``cassettes/notebooks/<cassette>/``, so a notebook runs offline on a fresh
clone), ``emulator`` (a local emulator, started on demand unless ``KPN_EMULATOR_URL`` names one) or
``live``. ``KPN_RECORD=1`` with the emulator or live target rewrites the notebook's cassettes.

Everything shown (HTML and plain-text reprs) passes through :func:`kpn_contract.redact.redact`; a
token is only ever shown masked. A front door: it composes :class:`kpn_contract.session.KPNSession`
and nothing imports it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import io
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import httpx

from kpn_contract.errors import TokenError, UsageError
from kpn_contract.redact import mask, redact

if TYPE_CHECKING:
    from types import TracebackType

    from matplotlib.figure import Figure

    from kpn_contract.contract.model import Operation, Violation
    from kpn_contract.contract.validate import Validator
    from kpn_contract.drift.findings import Finding
    from kpn_contract.session import CassetteHandle, KPNSession, TokenReport

__all__ = [
    "CheckedResponse",
    "FindingTable",
    "FindingsChart",
    "NotebookSession",
    "TokenAttempt",
    "TokenCard",
    "ViolationTable",
    "session",
]

NOTEBOOK_CASSETTES: Final = "notebooks"  # under the project's cassette_dir
CALLS_CASSETTE: Final = "calls.yaml"
_EXCERPT_CHARS: Final = 1200
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_SEVERITY_COLOURS: Final = {"breaking": "#c0392b", "warning": "#e67e22", "info": "#2980b9"}
_STYLE: Final = "font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px"


# --------------------------------------------------------------------------------------------------
# Small HTML helpers (every text goes through redact before it is escaped)


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


# --------------------------------------------------------------------------------------------------
# Views


class ViolationTable(Sequence["Violation"]):
    """Contract violations as a readable table (``_repr_html_``) and as rows (:meth:`to_rows`)."""

    def __init__(self, violations: Iterable[Violation]) -> None:
        self._items = list(violations)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: Any) -> Any:
        return self._items[index]

    def to_rows(self) -> list[dict[str, str]]:
        """One redacted dict per violation: rule, operation, pointer, expected, actual, meaning, spec."""
        return [
            {
                "rule": v.rule,
                "operation": v.operation_id,
                "pointer": v.pointer or "(whole response)",
                "expected": redact(v.expected),
                "actual": redact(v.actual),
                "meaning": redact(v.meaning),
                "spec": Path(v.spec_path).name if v.spec_path else "",
            }
            for v in self._items
        ]

    def __repr__(self) -> str:
        if not self._items:
            return "no contract violations"
        lines = [f"{len(self._items)} contract violation(s):"]
        lines.extend(f"  - {redact(v.describe())}" for v in self._items)
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        if not self._items:
            return f"<div>{_badge('no contract violations', ok=True)}</div>"
        columns = ("rule", "operation", "pointer", "expected", "actual", "meaning", "spec")
        rows = [[row[c] for c in columns] for row in self.to_rows()]
        title = _badge(f"{len(self._items)} contract violation(s)", ok=False)
        return f"<div>{title}{_table(columns, rows)}</div>"


@dataclass(frozen=True)
class CheckedResponse:
    """One response with its contract verdict. ``response`` is the plain ``httpx.Response``."""

    response: httpx.Response
    operation: str | None  # "METHOD /path/template", or None when no spec declares it
    spec: str | None
    meaning: str
    violations: ViolationTable

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def conforms(self) -> bool:
        """True when the response keeps its contract."""
        return not self.violations

    def json(self) -> Any:
        """The parsed JSON body (not redacted: it is data for the next cell, not output)."""
        return self.response.json()

    def _verdict(self) -> str:
        if self.operation is None:
            return "no spec declares this operation"
        return "keeps its contract" if self.conforms else f"{len(self.violations)} contract violation(s)"

    def _request_line(self) -> str:
        request = self.response.request
        return redact(f"{request.method} {request.url}")

    def __repr__(self) -> str:
        lines = [
            f"{self._request_line()} → {self.status} {self.response.reason_phrase}",
            f"operation: {self.operation or '(none)'}" + (f" [{self.spec}]" if self.spec else ""),
            f"verdict:   {self._verdict()}",
        ]
        if self.meaning:
            lines.append(f"meaning:   {redact(self.meaning)}")
        lines.extend(f"  - {redact(v.describe())}" for v in self.violations)
        lines.append(_excerpt(self.response))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        ok = self.conforms and self.operation is not None
        status_ok = self.response.is_success
        pairs = [
            ("request", _text(self._request_line())),
            ("status", _badge(f"{self.status} {self.response.reason_phrase}", ok=status_ok)),
            (
                "operation",
                _text(self.operation or "(none)") + (f" <i>{_text(self.spec)}</i>" if self.spec else ""),
            ),
            ("verdict", _badge(self._verdict(), ok=ok)),
        ]
        if self.meaning:
            pairs.append(("meaning at KPN", _text(self.meaning)))
        location = self.response.headers.get("location")
        if location:
            pairs.append(("location", _text(location) + " (never followed)"))
        parts = [_pairs(pairs)]
        if self.violations:
            parts.append(self.violations._repr_html_())
        body = html.escape(_excerpt(self.response))
        parts.append(f'<pre style="{_STYLE};max-height:20em;overflow:auto">{body}</pre>')
        return "<div>" + "".join(parts) + "</div>"


class TokenCard:
    """A :class:`~kpn_contract.session.TokenReport` for display: masked token, expiry and schema verdict."""

    def __init__(self, report: TokenReport) -> None:
        self.report = report

    @property
    def conforms(self) -> bool:
        return self.report.conforms

    def __getattr__(self, name: str) -> Any:
        # The report's fields (profile, kind, masked, expires_in, …) read through; it holds no raw token.
        return getattr(self.report, name)

    def __repr__(self) -> str:
        # Line by line: redact's "Bearer <credential>" pattern would otherwise eat the next line's first word.
        return "\n".join(redact(line) for line in self.report.render().splitlines())

    def _repr_html_(self) -> str:
        report = self.report
        verdict = (
            "the token response matches its schema"
            if report.conforms
            else f"{len(report.violations)} contract violation(s)"
        )
        pairs = [
            ("profile", _text(f"{report.profile} ({report.kind})")),
            ("token", f"<code>{_text(report.masked)}</code>"),
            ("type", _text(report.token_type)),
            ("expires in", _text(f"{report.expires_in:.0f} s (at {report.expires_at})")),
            ("response", _badge(verdict, ok=report.conforms)),
        ]
        parts = [_pairs(pairs)]
        if report.violations:
            parts.append(ViolationTable(report.violations)._repr_html_())
        return "<div>" + "".join(parts) + "</div>"


@dataclass(frozen=True)
class TokenAttempt:
    """The outcome of a deliberate token request: the TokenError KPN's answer maps to, or a token."""

    profile: str
    label: str
    status: int
    error: TokenError | None
    masked_token: str | None = None

    @property
    def hint(self) -> str | None:
        return self.error.hint if self.error else None

    @property
    def code(self) -> str | None:
        return self.error.code if self.error else None

    def __repr__(self) -> str:
        if self.error is None:
            return f"{self.label}: HTTP {self.status}, token {self.masked_token}"
        return redact(f"{self.label}: HTTP {self.status}\n{self.error.message}")

    def _repr_html_(self) -> str:
        if self.error is None:
            pairs = [
                ("attempt", _text(self.label)),
                ("status", _badge(str(self.status), ok=True)),
                ("token", f"<code>{_text(self.masked_token)}</code>"),
            ]
            return _pairs(pairs)
        message = self.error.message.split("\n  hint:", 1)[0]
        pairs = [
            ("attempt", _text(self.label)),
            ("status", _badge(str(self.status), ok=False)),
            ("error", f"<code>{_text(message)}</code>"),
            ("code", _text(self.code or "—")),
            ("what it means", f"<b>{_text(self.hint or '—')}</b>"),
        ]
        return _pairs(pairs)


class FindingTable(Sequence["Finding"]):
    """Drift or diff findings as a table, most severe first, and counts per operation and severity."""

    def __init__(self, findings: Iterable[Finding]) -> None:
        self._items = list(findings)

    def __len__(self) -> int:
        return len(self._items)

    def __getitem__(self, index: Any) -> Any:
        return self._items[index]

    def counts(self) -> dict[str, Counter[str]]:
        """``{operation: Counter({severity: n})}``; a spec-wide finding counts as ``*``."""
        result: dict[str, Counter[str]] = {}
        for finding in self._items:
            result.setdefault(finding.operation, Counter())[finding.severity] += 1
        return result

    def to_rows(self) -> list[dict[str, str]]:
        """One redacted dict per finding."""
        return [
            {
                "severity": f.severity + (" (beta)" if f.beta else ""),
                "rule": f.rule_id,
                "operation": f.operation,
                "pointer": f.pointer,
                "old": redact(json.dumps(f.old, default=str, ensure_ascii=False)),
                "new": redact(json.dumps(f.new, default=str, ensure_ascii=False)),
                "message": redact(f.message),
            }
            for f in self._items
        ]

    def __repr__(self) -> str:
        if not self._items:
            return "no findings"
        return "\n".join(
            f"{r['severity']:<16} {r['rule']:<34} {r['operation']} {r['pointer']}" for r in self.to_rows()
        )

    def _repr_html_(self) -> str:
        if not self._items:
            return f"<div>{_badge('no findings', ok=True)}</div>"
        columns = ("severity", "rule", "operation", "pointer", "old", "new", "message")
        rows = [[row[c] for c in columns] for row in self.to_rows()]
        return _table(columns, rows)


class FindingsChart:
    """A bar chart of findings per operation, stacked by severity; shows as PNG in any backend."""

    def __init__(
        self, findings: Iterable[Finding], *, title: str = "Findings by operation and severity"
    ) -> None:
        self.table = FindingTable(findings)
        self.title = title
        self.figure = self._draw()

    def _draw(self) -> Figure:
        # The Figure class directly, not pyplot: no GUI backend and no global figure state in the kernel.
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator

        counts = self.table.counts()
        operations = sorted(counts) or ["(no findings)"]
        figure = Figure(figsize=(10, 0.55 * len(operations) + 1.6), layout="constrained")
        axes = figure.subplots()
        left = [0] * len(operations)
        for severity, colour in _SEVERITY_COLOURS.items():
            values = [counts.get(op, Counter())[severity] for op in operations]
            axes.barh(operations, values, left=left, color=colour, label=severity)
            left = [a + b for a, b in zip(left, values, strict=True)]
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xlabel("findings")
        axes.set_title(self.title, loc="left", fontsize="medium")
        axes.invert_yaxis()
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        return figure

    def png(self) -> bytes:
        """The chart as PNG bytes."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=90)
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()

    def __repr__(self) -> str:
        return f"<FindingsChart: {len(self.table)} finding(s) over {len(self.table.counts())} operation(s)>"


# --------------------------------------------------------------------------------------------------
# The session


class NotebookSession:
    """Clients, tokens and checked calls for one notebook; close it (or use ``with``) to write cassettes."""

    def __init__(
        self,
        kpn: KPNSession,
        cassette: CassetteHandle,
        *,
        profile: str,
        name: str,
        recording: bool,
        stack: contextlib.ExitStack,
    ) -> None:
        self.kpn = kpn
        self.cassette = cassette
        self.profile = profile
        self.name = name
        self.recording = recording
        self._stack = stack
        self._clients: dict[tuple[str, bool, bool], httpx.Client] = {}
        self._closed = False

    # -- what it is ----------------------------------------------------------------------------------
    @property
    def target(self) -> str:
        return self.kpn.options.target

    @property
    def validator(self) -> Validator:
        """The project's validator (specs/ and the response-code rules)."""
        return self.kpn.validator

    def __repr__(self) -> str:
        mode = "recording" if self.recording else "not recording"
        return f"<NotebookSession {self.name!r}: profile {self.profile!r}, target {self.target}, {mode}>"

    def _repr_html_(self) -> str:
        pairs = [
            ("notebook cassette", _text(self.name)),
            ("default profile", _text(self.profile)),
            ("target", _text(self.target)),
            ("recording", _text("yes (rewrite)" if self.recording else "no")),
        ]
        return _pairs(pairs)

    # -- clients -------------------------------------------------------------------------------------
    def client(self, profile: str | None = None, **kwargs: Any) -> httpx.Client:
        """An ``httpx.Client`` for ``profile`` (default: the session's) that validates every response.

        Keyword arguments go to :meth:`kpn_contract.session.KPNSession.client` (``validate``,
        ``subcustomer``, ``authenticated``). Violations are collected in :attr:`violations`, not raised.
        The client records into this notebook's cassette and is closed with the session.
        """
        self._check_open()
        client = self.kpn.client(profile or self.profile, cassette=self.cassette, **kwargs)
        self._stack.callback(client.close)
        return client

    def _call_client(self, profile: str, *, subcustomer: bool, authenticated: bool) -> httpx.Client:
        key = (profile, subcustomer, authenticated)
        if key not in self._clients:
            # Validation runs in check() instead, so that each call gets its own verdict.
            self._clients[key] = self.client(
                profile, validate=False, subcustomer=subcustomer, authenticated=authenticated
            )
        return self._clients[key]

    def call(
        self,
        method: str,
        path: str,
        *,
        profile: str | None = None,
        subcustomer: bool = True,
        authenticated: bool = True,
        **kwargs: Any,
    ) -> CheckedResponse:
        """Send one request and return it with its verdict. ``kwargs`` go to ``httpx.Client.request``.

        ``authenticated=False`` sends no token (pass your own ``Authorization`` header to see how
        KPN answers a wrong one); ``subcustomer=False`` leaves out ``x-client-id``.
        """
        client = self._call_client(
            profile or self.profile, subcustomer=subcustomer, authenticated=authenticated
        )
        response = client.request(method, path, **kwargs)
        return self.check(response)

    def check(self, response: httpx.Response) -> CheckedResponse:
        """Validate any response (a recorded one, or one altered by hand) and return its verdict.

        Its violations are added to :attr:`violations`.
        """
        violations = self.kpn.check(response)
        operation = self.validator.index.find(response.request.method, str(response.request.url))
        return CheckedResponse(
            response=response,
            operation=operation.key if operation else None,
            spec=Path(operation.spec_path).name if operation else None,
            meaning=self._meaning(operation, response.status_code),
            violations=ViolationTable(violations),
        )

    def _meaning(self, operation: Operation | None, status: int) -> str:
        if operation is None:
            return ""
        return self.validator.rules.meaning(operation, status)

    # -- tokens --------------------------------------------------------------------------------------
    def token(self, profile: str | None = None) -> TokenCard:
        """The token of ``profile``, masked, with its expiry and whether its response matched the schema."""
        from kpn_contract.session import describe_token

        self._check_open()
        return TokenCard(describe_token(self.kpn, profile or self.profile))

    def token_attempt(
        self,
        profile: str | None = None,
        *,
        label: str = "",
        client_id: str | None = None,
        client_secret: str | None = None,
        tenant_id: str | None = None,
        audience: str | None = None,
        grant_type: bool = True,
    ) -> TokenAttempt:
        """Request a token with some credentials replaced, to see what KPN answers and what it means.

        The request is recorded into this notebook's cassette (not the token cassettes) and validated
        like any call. ``audience`` replaces a GRIP profile's application ID; ``grant_type=False``
        leaves ``grant_type`` out of a gateway token URL.
        """
        from kpn_contract.auth.tokens import provider_for

        name = profile or self.profile
        overrides = {
            key: value
            for key, value in (
                ("client_id", client_id),
                ("client_secret", client_secret),
                ("tenant_id", tenant_id),
            )
            if value is not None
        }
        credentials = dataclasses.replace(self.kpn.credentials(name), **overrides)
        profile_used = self.kpn.profile(name)
        if audience is not None:
            profile_used = dataclasses.replace(profile_used, audience=audience)
        provider = provider_for(profile_used, credentials)
        request = provider.build_request()
        if not grant_type:
            request = httpx.Request(
                request.method,
                request.url.copy_remove_param("grant_type"),
                headers=request.headers,
                content=request.content,
            )
        client = self._call_client(name, subcustomer=False, authenticated=False)
        response = client.send(request)
        self.kpn.check(response)
        changed = sorted([*overrides, *(["audience"] if audience is not None else [])])
        text = label or f"{name}: {', '.join(changed) or 'as configured'} replaced"
        try:
            token = provider.parse(response)
        except TokenError as error:
            return TokenAttempt(name, text, response.status_code, error)
        return TokenAttempt(name, text, response.status_code, None, masked_token=mask(token.access_token))

    # -- results -------------------------------------------------------------------------------------
    @property
    def violations(self) -> ViolationTable:
        """Every contract violation this session has seen (token responses included)."""
        return ViolationTable(self.kpn.violations)

    # -- life cycle ----------------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise UsageError(
                f"notebook session {self.name!r} is closed: start a new one with notebook.session()"
            )

    def close(self) -> None:
        """Close the clients and write the cassettes (when recording); stop an emulator it started."""
        if self._closed:
            return
        self._closed = True
        self._stack.close()

    def __enter__(self) -> NotebookSession:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


_NOTEBOOK_VARIABLES: Final = ("KPN_TARGET", "KPN_RECORD", "KPN_EMULATOR_URL", "JPY_SESSION_NAME")


def _notebook_name(env: Mapping[str, str]) -> str:
    # JupyterLab and Notebook 7 tell the kernel its notebook's path in JPY_SESSION_NAME.
    session_name = env.get("JPY_SESSION_NAME")
    if session_name:
        return Path(session_name).stem
    raise UsageError("name the notebook's cassette: notebook.session(..., cassette='01-get-a-token')")


def _cassette_folder(root: Path, name: str) -> Path:
    folder = (root / name).resolve()
    if (
        not name
        or Path(name).is_absolute()
        or ".." in Path(name).parts
        or not folder.is_relative_to(root.resolve())
    ):
        raise UsageError(f"cassette name {name!r} must be a plain name such as '01-get-a-token'")
    return folder


def session(
    profile: str = "sandbox",
    *,
    target: str | None = None,
    cassette: str | None = None,
    validate: bool = True,
    record: bool | None = None,
    variant: str = "current",
    emulator_url: str | None = None,
    start: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> NotebookSession:
    """A notebook session for ``profile``.

    ``target`` defaults to ``KPN_TARGET`` (``replay`` when unset). ``cassette`` names the folder
    ``cassettes/notebooks/<cassette>/`` holding ``calls.yaml`` and the token cassettes ``tokens/``;
    it defaults to the notebook's name where Jupyter tells it. ``record`` defaults to ``KPN_RECORD``;
    recording needs the emulator or live target and rewrites the cassettes. In the emulator target an
    emulator is started (and stopped with the session) unless ``emulator_url`` or ``KPN_EMULATOR_URL``
    names one; ``variant="next"`` always starts its own emulator of the next beta. The project (config,
    profiles, specs) is found from ``start`` (default: the current folder) upward.
    """
    from kpn_contract.profiles import load_config, named_environment
    from kpn_contract.session import KPNSession, SessionOptions
    from kpn_contract.transport import parse_target

    config = load_config(start=(start or Path.cwd()))
    # Only the variables this function and the profiles read, never the whole environment.
    environ = named_environment(config, env, extra=_NOTEBOOK_VARIABLES)
    config.profile(profile)  # an unknown profile fails here, naming the known ones
    chosen = parse_target(target or environ.get("KPN_TARGET") or "replay")
    recording = _flag(environ.get("KPN_RECORD")) if record is None else record
    if recording and chosen == "replay":
        raise UsageError("recording needs KPN_TARGET=emulator (or live): replay only plays cassettes back")
    if variant not in ("current", "next"):
        raise UsageError(f"unknown emulator variant {variant!r}: choose current or next")
    if variant != "current" and chosen == "live":
        raise UsageError("the next variant exists only in the emulator: use KPN_TARGET=emulator or replay")
    name = cassette or _notebook_name(environ)
    folder = _cassette_folder(config.cassette_dir / NOTEBOOK_CASSETTES, name)

    stack = contextlib.ExitStack()
    try:
        url = emulator_url or (environ.get("KPN_EMULATOR_URL") if variant == "current" else None)
        if chosen == "emulator" and not url:
            url = stack.enter_context(_emulator(environ, variant))
        options = SessionOptions(
            target=chosen,
            emulator_url=url,
            cassette_dir=folder,
            record_mode="rewrite" if recording else None,
            validate=validate,
            on_violation="collect",
            spec_dir=config.spec_dir,
        )
        kpn = KPNSession(config, options, env=environ)
        stack.callback(kpn.close)
        # A notebook collects violations to show them (a 302, the next beta's drift), so `verify`
        # treats what it recorded as expected rather than as a broken contract.
        handle = kpn.open_cassette(folder / CALLS_CASSETTE, [profile], validated=False)
        stack.callback(handle.close)
    except BaseException:
        stack.close()
        raise
    return NotebookSession(kpn, handle, profile=profile, name=name, recording=recording, stack=stack)


@contextlib.contextmanager
def _emulator(env: Mapping[str, str], variant: str) -> Iterator[str]:
    """A loopback emulator that accepts the credentials the profiles resolve to; yields its URL."""
    from kpn_contract.emulator import EmulatorServer, EmulatorSettings

    server = EmulatorServer(EmulatorSettings.from_environment(env, variant=variant)).start()
    try:
        yield str(server.base_url)
    finally:
        server.stop()
