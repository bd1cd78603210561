"""The one error tree of kpn_contract.

::

    KPNContractError                  every error the toolkit raises on purpose
     ├── ConfigError                  a profile, config file or environment variable is wrong
     ├── TokenError                   a token request failed; carries KPN's documented hint
     │    └── MissingScopeError       a 403 names a scope the token lacks (RFC 6750 insufficient_scope)
     ├── SpecError                    a specification cannot be read at all
     ├── CassetteError                a cassette is corrupt, unsafe, or a request has no recording
     │    └── NetworkBlockedError     replay mode refused a connection
     └── UsageError                   bad command-line or API arguments

    AssertionError
     └── ContractViolation            a response broke its contract (pytest shows a test failure)
          └── RequestViolation        a request broke its contract and was not sent

Every message names the file, field, profile or operation at fault. No message ever holds a
secret: constructors pass their text through :func:`kpn_contract.redact.redact`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kpn_contract.redact import redact

if TYPE_CHECKING:
    from kpn_contract.contract.model import Violation

__all__ = [
    "CassetteError",
    "ConfigError",
    "ContractViolation",
    "KPNContractError",
    "KPNSecretWarning",
    "MissingScopeError",
    "NetworkBlockedError",
    "RequestViolation",
    "SpecError",
    "TokenError",
    "UsageError",
]


class KPNContractError(Exception):
    """Base class of every error kpn_contract raises on purpose."""

    def __init__(self, message: str) -> None:
        self.message = redact(message)
        super().__init__(self.message)


class ConfigError(KPNContractError):
    """A profile or config file is wrong.

    The message names the profile, field and environment variable, never the value.
    """

    def __init__(
        self,
        message: str,
        *,
        profile: str | None = None,
        field: str | None = None,
        env_var: str | None = None,
        path: str | None = None,
    ) -> None:
        self.profile = profile
        self.field = field
        self.env_var = env_var
        self.path = path
        where = []
        if path:
            where.append(str(path))
        if profile:
            where.append(f"profile {profile!r}")
        if field:
            where.append(f"field {field!r}")
        if env_var:
            where.append(f"environment variable {env_var}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


class TokenError(KPNContractError):
    """A token could not be obtained or was rejected. ``hint`` is KPN's documented meaning."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        status: int | None = None,
        code: str | None = None,
        profile: str | None = None,
    ) -> None:
        self.hint = hint
        self.status = status
        self.code = code
        self.profile = profile
        text = message
        if profile:
            text = f"profile {profile!r}: {text}"
        if hint:
            text = f"{text}\n  hint: {hint}"
        super().__init__(text)


class MissingScopeError(TokenError):
    """The API answered 403 ``insufficient_scope``: the token lacks ``missing`` (scope names)."""

    def __init__(self, message: str, *, missing: tuple[str, ...], profile: str | None = None) -> None:
        self.missing = missing
        hint = "grant the scope to the API key in GRIP, or declare the scopes the profile expects"
        super().__init__(message, hint=hint, status=403, code="insufficient_scope", profile=profile)


class SpecError(KPNContractError):
    """A specification file cannot be read as a spec at all (warnings are not errors)."""

    def __init__(self, message: str, *, path: str | None = None, pointer: str | None = None) -> None:
        self.path = path
        self.pointer = pointer
        where = path or ""
        if pointer:
            where = f"{where}#{pointer}"
        super().__init__(f"{where}: {message}" if where else message)


class CassetteError(KPNContractError):
    """A cassette is corrupt, unsafe or of the wrong structure, or a request has no recording."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = path or ""
        if path and line is not None:
            where = f"{path}:{line}"
        super().__init__(f"{where}: {message}" if where else message)


class NetworkBlockedError(CassetteError):
    """Replay mode refused a network connection; the message names the request.

    ``request`` is the refused request as ``METHOD url`` (scrubbed), when it is known.
    """

    def __init__(
        self, message: str, *, path: str | None = None, line: int | None = None, request: str | None = None
    ) -> None:
        self.request = redact(request) if request else None
        super().__init__(message, path=path, line=line)


class UsageError(KPNContractError):
    """Bad arguments to the command line or to a public function."""


class KPNSecretWarning(UserWarning):
    """A registered secret would show where kpn_contract cannot redact it (a parametrize test ID)."""


class ContractViolation(AssertionError):  # noqa: N818 - the name users and the issue know
    """A response broke its contract. An AssertionError, so pytest reports a test failure.

    ``violations`` holds each :class:`~kpn_contract.contract.model.Violation`; the text shows
    every one of them with a redacted excerpt of the response.
    """

    def __init__(self, violations: Sequence[Violation], *, excerpt: str | None = None) -> None:
        self.violations = list(violations)
        lines = [f"{len(self.violations)} contract violation(s):"]
        lines.extend(f"  - {v.describe()}" for v in self.violations)
        if excerpt:
            lines.append("  response excerpt (redacted):")
            lines.extend(f"    {line}" for line in redact(excerpt).splitlines()[:20])
        self.message = redact("\n".join(lines))
        super().__init__(self.message)


class RequestViolation(ContractViolation):
    """A request broke its contract and was not sent: nothing reached the target or a cassette."""

    def __init__(self, violations: Sequence[Violation], *, request_line: str) -> None:
        super().__init__(violations)
        details = self.message.split("\n", 1)[1]
        head = f"{len(self.violations)} contract violation(s) in the request {request_line} (not sent):"
        self.message = redact(f"{head}\n{details}")
        self.args = (self.message,)
