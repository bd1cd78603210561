"""The notebook session: clients, tokens and checked calls for one notebook, and its cassettes."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

__all__ = ["NotebookSession"]


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

    def _discard_if_interrupted(self, exc_type: type[BaseException] | None) -> None:
        # A kernel interrupt (Ctrl-C, "Interrupt the kernel") cut the block short: write none of it.
        if exc_type is not None and not issubclass(exc_type, Exception):
            discard = getattr(self.cassette.transport, "discard", None)
            if discard is not None:
                discard()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._discard_if_interrupted(exc_type)
        self.close()

    async def __aenter__(self) -> NotebookSession:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._discard_if_interrupted(exc_type)
        await self.aclose()
