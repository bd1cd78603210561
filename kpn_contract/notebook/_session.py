"""The notebook session: clients, tokens and checked calls for one notebook, and its cassettes."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import httpx

from kpn_contract.errors import TokenError, UsageError
from kpn_contract.notebook._html import _pairs, _text
from kpn_contract.notebook.views import CheckedResponse, TokenAttempt, TokenCard, ViolationTable
from kpn_contract.redact import mask

if TYPE_CHECKING:
    from types import TracebackType

    from kpn_contract.contract.model import Operation
    from kpn_contract.contract.validate import Validator
    from kpn_contract.session.kpn_session import CassetteHandle, KPNSession

__all__ = ["NotebookSession", "kpn_notebook", "session"]

NOTEBOOK_CASSETTES: Final = "notebooks"  # under the project's cassette_dir
CALLS_CASSETTE: Final = "calls.yaml"
_TRUE: Final = frozenset({"1", "true", "yes", "on"})


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
        record_mode: str | None = None,
    ) -> None:
        self.kpn = kpn
        self.cassette = cassette
        self.profile = profile
        self.name = name
        self.recording = recording
        self.record_mode = record_mode or ("rewrite" if recording else None)
        self._stack = stack
        self._clients: dict[tuple[str, bool, bool], httpx.Client] = {}
        self._async_clients: list[httpx.AsyncClient] = []
        self._pending: set[asyncio.Task[None]] = set()
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
            ("recording", _text(f"yes ({self.record_mode})" if self.recording else "no")),
        ]
        return _pairs(pairs)

    # -- clients -------------------------------------------------------------------------------------
    def client(self, profile: str | None = None, **kwargs: Any) -> httpx.Client:
        """An ``httpx.Client`` for ``profile`` (default: the session's) that validates every response.

        Keyword arguments go to :meth:`kpn_contract.session.kpn_session.KPNSession.client` (``validate``,
        ``subcustomer``, ``authenticated``). Violations are collected in :attr:`violations`, not raised.
        The client records into this notebook's cassette and is closed with the session.
        """
        self._check_open()
        client = self.kpn.client(profile or self.profile, cassette=self.cassette, **kwargs)
        self._stack.callback(client.close)
        return client

    def async_client(self, profile: str | None = None, **kwargs: Any) -> httpx.AsyncClient:
        """The asyncio form of :meth:`client`, for ``await`` in a notebook cell (Jupyter's running loop).

        Close it with ``async with nb.async_client() as client:`` or ``await nb.aclose()``; a session
        closed without ``await`` closes it in the running loop after the cell, when there is one.
        """
        self._check_open()
        client = self.kpn.async_client(profile or self.profile, cassette=self.cassette, **kwargs)
        self._async_clients.append(client)
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
        """Validate any response (a recorded one, or one altered by hand) and its request; the verdict.

        Request violations (``request.*``) come first; all are added to :attr:`violations`.
        """
        violations = [*self.kpn.check_request(response.request), *self.kpn.check(response)]
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
        from kpn_contract.session.token_report import describe_token

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
        from kpn_contract.auth.providers import provider_for

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
            raise UsageError(f"notebook session {self.name!r} is closed: start a new one with kpn_notebook()")

    def close(self) -> None:
        """Close the clients and write the cassettes (when recording); stop an emulator it started."""
        if self._closed:
            return
        self._closed = True
        self._close_async_clients_later()
        self._stack.close()

    def _close_async_clients_later(self) -> None:
        # A sync close cannot await. In Jupyter it runs inside the kernel's loop, which owns the async
        # clients' connections: they are closed there, right after the current cell.
        still_open = [client for client in self._async_clients if not client.is_closed]
        self._async_clients.clear()
        if not still_open:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            # Outside any loop nothing can be awaited any more: close async clients with `async with`.
            return
        from kpn_contract.session.async_clients import aclose_all

        task = loop.create_task(aclose_all(still_open))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def aclose(self) -> None:
        """Close the async clients in the running loop, then everything :meth:`close` closes."""
        from kpn_contract.session.async_clients import aclose_all

        clients, self._async_clients = self._async_clients, []
        try:
            await aclose_all(clients)
        finally:
            self.close()

    def __enter__(self) -> NotebookSession:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> NotebookSession:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


_NOTEBOOK_VARIABLES: Final = ("KPN_TARGET", "KPN_RECORD", "KPN_EMULATOR_URL", "JPY_SESSION_NAME")


def _notebook_name(env: Mapping[str, str]) -> str:
    # JupyterLab and Notebook 7 tell the kernel its notebook's path in JPY_SESSION_NAME.
    session_name = env.get("JPY_SESSION_NAME")
    if session_name:
        return Path(session_name).stem
    raise UsageError("name the notebook's cassette: kpn_notebook(..., cassette='01-get-a-token')")


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


def _miss_hint(profile: str, name: str, record_mode: str | None) -> str:
    """How a notebook records what its cassette lacks: the notebook's own way, not pytest's options."""
    call = f"kpn_notebook({profile!r}, cassette={name!r}, target='emulator', record_mode=%r)"
    if record_mode in (None, "none"):
        return f"record it from the notebook with {call % 'once'} (or KPN_TARGET=emulator KPN_RECORD=1)"
    return f"add it with {call % 'new_episodes'}"


def kpn_notebook(
    profile: str = "sandbox",
    *,
    target: str | None = None,
    cassette: str | None = None,
    validate: bool = True,
    record: bool | None = None,
    record_mode: str | None = None,
    variant: str = "current",
    emulator_url: str | None = None,
    start: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> NotebookSession:
    """A notebook session for ``profile``; use it as ``with kpn_notebook(...) as nb:`` (or call
    ``nb.close()``): closing writes the cassettes.

    ``target`` defaults to ``KPN_TARGET`` (``replay`` when unset). ``cassette`` names the folder
    ``cassettes/notebooks/<cassette>/`` holding ``calls.yaml`` and the token cassettes ``tokens/``;
    it defaults to the notebook's name where Jupyter tells it. ``record`` defaults to ``KPN_RECORD``
    and rewrites the cassettes; ``record_mode`` picks another of the record modes (``once``,
    ``new_episodes``, ``all``, ``rewrite``). Recording needs the emulator or live target. In the
    emulator target an emulator is started (and stopped with the session) unless ``emulator_url`` or
    ``KPN_EMULATOR_URL`` names one; ``variant="next"`` always starts its own emulator of the next beta.
    The project (config, profiles, specs) is found from ``start`` (default: the current folder) upward.
    """
    from kpn_contract.config.profiles import load_config, named_environment
    from kpn_contract.config.run_settings import options_from_sources
    from kpn_contract.session.kpn_session import KPNSession

    config = load_config(start=(start or Path.cwd()))
    # Only the variables this function and the profiles read, never the whole environment.
    environ = named_environment(config, env, extra=_NOTEBOOK_VARIABLES)
    config.profile(profile)  # an unknown profile fails here, naming the known ones
    if record_mode is None and (_flag(environ.get("KPN_RECORD")) if record is None else record):
        record_mode = "rewrite"
    # The arguments are this front door's command line: the same precedence as pytest's options
    # (arguments > [tool.kpn_contract] > KPN_TARGET, KPN_EMULATOR_URL > default), and the same checks.
    options = options_from_sources(
        cli={"target": target, "record_mode": record_mode, "emulator_url": emulator_url},
        ini={},
        config=config,
        env=environ,
    )
    recording = options.record_mode not in (None, "none")
    if variant not in ("current", "next"):
        raise UsageError(f"unknown emulator variant {variant!r}: choose current or next")
    if variant != "current" and options.target == "live":
        raise UsageError("the next variant exists only in the emulator: use KPN_TARGET=emulator or replay")
    name = cassette or _notebook_name(environ)
    folder = _cassette_folder(options.cassette_dir / NOTEBOOK_CASSETTES, name)

    stack = contextlib.ExitStack()
    try:
        url = options.emulator_url
        if variant != "current" and not emulator_url:
            url = None  # a running emulator (KPN_EMULATOR_URL) serves the current API, not the next beta
        if options.target == "emulator" and not url:
            url = stack.enter_context(_emulator(environ, variant))
        options = dataclasses.replace(
            options,
            emulator_url=url,
            cassette_dir=folder,
            cassette_root=options.cassette_dir,  # one lock folder for the project, not one per notebook
            validate=validate,
            on_violation="collect",
            miss_hint=_miss_hint(profile, name, options.record_mode),
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
    return NotebookSession(
        kpn,
        handle,
        profile=profile,
        name=name,
        recording=recording,
        stack=stack,
        record_mode=options.record_mode if recording else None,
    )


# The first name of kpn_notebook, kept for notebooks that call ``notebook.session(...)``.
session = kpn_notebook


@contextlib.contextmanager
def _emulator(env: Mapping[str, str], variant: str) -> Iterator[str]:
    """A loopback emulator that accepts the credentials the profiles resolve to; yields its URL."""
    from kpn_contract.emulator import EmulatorServer, EmulatorSettings

    server = EmulatorServer(EmulatorSettings.from_environment(env, variant=variant)).start()
    try:
        yield str(server.base_url)
    finally:
        server.stop()
