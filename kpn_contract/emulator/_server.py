"""Run the emulator: in a background thread (tests, the plugin) or in the foreground (the CLI)."""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Final, TextIO

from kpn_contract import signals
from kpn_contract.config import _demo
from kpn_contract.emulator._app import create_app
from kpn_contract.emulator._faults import Fault, FaultRule, make_rule, parse_fault_spec
from kpn_contract.emulator._settings import EmulatorSettings, Variant
from kpn_contract.emulator._state import EmulatorState
from kpn_contract.errors import UsageError

if TYPE_CHECKING:
    from kpn_contract.config.profiles import Profile

__all__ = ["EmulatorServer", "run_emulator_cli"]

_SILENT: Final = logging.NullHandler()  # one instance: addHandler then adds it once
_START_TIMEOUT: Final = 10.0
_STOP_TIMEOUT: Final = 5.0
# socket exports SO_EXCLUSIVEADDRUSE on Windows only; winsock2.h defines it as ~SO_REUSEADDR, i.e. ~4.
_SO_EXCLUSIVEADDRUSE: Final = getattr(socket, "SO_EXCLUSIVEADDRUSE", ~4)


def _address_options(platform: str) -> tuple[int, ...]:
    """The SOL_SOCKET options set before bind, so that a busy port is refused on every platform.

    POSIX: SO_REUSEADDR, so a restart can bind a port whose last connections are in TIME_WAIT (a port
    with a listener stays refused). Windows: SO_REUSEADDR would let a second emulator take a port that
    one is listening on, so it is not set there; SO_EXCLUSIVEADDRUSE refuses the port to any other socket.
    """
    if platform == "win32":
        return (_SO_EXCLUSIVEADDRUSE,)
    return (socket.SO_REUSEADDR,)


class EmulatorServer:
    """A real HTTP server on loopback, serving :func:`create_app` from a background thread.

    ``port=0`` picks a free port; :attr:`base_url` tells which one after :meth:`start`.
    Use it as a context manager, or call :meth:`start` and :meth:`stop`.
    """

    def __init__(
        self, settings: EmulatorSettings | None = None, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.settings = settings or EmulatorSettings()
        self.host = host
        self.port = port
        self.base_url = ""
        self.app = create_app(self.settings)
        self._server: Any = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    def __repr__(self) -> str:
        where = self.base_url or f"http://{self.host}:{self.port} (not started)"
        return f"<EmulatorServer {where} variant={self.settings.variant}>"

    @property
    def _state(self) -> EmulatorState:
        state: EmulatorState = self.app.state.emulator
        return state

    def start(self) -> EmulatorServer:
        """Bind, serve in a daemon thread, and return once the server accepts connections."""
        if self._thread is not None:
            raise UsageError(f"{self!r} is already running")
        import uvicorn

        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            http="h11",  # the connection-reset and truncated-body faults rely on h11's request cycle
            ws="none",
            lifespan="off",
            loop="asyncio",
            log_config=None,  # leave the host application's logging alone
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        # With no handler anywhere, Python's last-resort handler would print uvicorn's warnings (a fuzz
        # case's malformed request: "Invalid HTTP request received.") into a user's output; a library's
        # NullHandler stops that and still lets the records reach the application's own handlers.
        logging.getLogger("uvicorn").addHandler(_SILENT)
        server = uvicorn.Server(config)
        # Bound here, not by uvicorn: a busy port becomes a UsageError in this thread (uvicorn would
        # sys.exit in its own), and port 0 is resolved before the server thread starts.
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET)
        for option in _address_options(sys.platform):
            sock.setsockopt(socket.SOL_SOCKET, option, 1)
        # Nagle plus delayed ACK would hold each response's body ~40 ms (h11 writes head and body apart).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as error:
            sock.close()
            raise UsageError(
                f"the emulator could not listen on {self.host}:{self.port}: {error.strerror or error}"
            ) from None
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="kpn-emulator", daemon=True
        )
        thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                server.should_exit = True
                thread.join(_STOP_TIMEOUT)
                sock.close()
                raise UsageError(f"the emulator did not start on {self.host}:{self.port}")
            time.sleep(0.005)
        self._server, self._thread, self._socket = server, thread, sock
        self.port = int(sock.getsockname()[1])
        self.base_url = f"http://{self.host}:{self.port}"
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end. Safe to call twice."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(_STOP_TIMEOUT)
        if thread.is_alive():
            server.force_exit = True
            thread.join(_STOP_TIMEOUT)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def wait(self, timeout: float | None = None) -> None:
        """Block until the server thread ends (or ``timeout`` passes)."""
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def granted_scopes(self) -> frozenset[str]:
        """The scopes the demo GRIP key's tokens carry: ``settings.scopes``, else every declared scope."""
        if self.settings.scopes is not None:
            return self.settings.scopes
        return frozenset(self.app.state.scope_table.all_scopes)

    def stats(self) -> dict[str, dict[str, int]]:
        """Request counts per ``"METHOD /path/template"``, as ``GET /_emulator/stats`` answers."""
        return self._state.stats()

    def reset(self) -> None:
        """Clear request counts, issued tokens, granted access rights and faults."""
        self._state.reset()
        self.app.state.products.reset()

    def inject_fault(
        self, endpoint: str, fault: Fault | str, *, times: int | None = None, **params: Any
    ) -> None:
        """Inject ``fault`` on ``endpoint`` (``"METHOD /path"``, globs allowed) for the next ``times``
        requests (None: until :meth:`clear_faults` or :meth:`reset`).

        ``params`` by fault: ``seconds`` (latency, expire-early), ``status`` (status, html),
        ``retry_after`` (rate-limit). ``fault`` may be a :class:`Fault` or its command-line word
        (``"500"``, ``"429"``, ``"reset"``...).
        """
        self._state.faults.add(make_rule(endpoint, fault, times=times, **params))

    def add_fault_rule(self, rule: FaultRule | str) -> None:
        """Inject a parsed rule, or one in command-line form (``"GET /api/devices=latency:0.5:times=2"``)."""
        self._state.faults.add(parse_fault_spec(rule) if isinstance(rule, str) else rule)

    def faults(self) -> list[FaultRule]:
        """The active fault rules (those whose ``times`` ran out are gone)."""
        return self._state.faults.snapshot()

    def clear_faults(self) -> None:
        self._state.faults.clear()


def _credential_lines(env: Mapping[str, str]) -> list[str]:
    lines = []
    for name, demo_value in _demo.DEMO_ENVIRONMENT.items():
        # Values from the environment may be real: show only where they came from, never the value.
        shown = "(from your environment)" if env.get(name) else demo_value
        lines.append(f"  {name}={shown}")
    return lines


def run_emulator_cli(
    host: str = "127.0.0.1",
    port: int = 8080,
    variant: Variant = "current",
    faults: Sequence[str] = (),
    token_lifetime: int | None = None,
    *,
    scopes: Sequence[str] | None = None,
    remember_deletions: bool = False,
    specs: Sequence[Path] = (),
    env: Mapping[str, str] | None = None,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
    profiles: Iterable[Profile] = (),
) -> None:
    """``kpn-contract emulate``: start the emulator in the foreground until Ctrl-C (or ``stop`` is set).

    Prints the base URL and the credentials the emulator accepts: the documented demo values, or
    for variables set in ``env`` only the variable name. Bad ``faults`` raise :class:`UsageError`
    before anything starts, and so do ``scopes`` that no KPN Things spec declares.
    """
    env = os.environ if env is None else env
    out = out or sys.stdout
    rules = [parse_fault_spec(text) for text in faults]
    lifetimes = {}
    if token_lifetime is not None:
        lifetimes = {"gateway_token_lifetime": token_lifetime, "grip_token_lifetime": token_lifetime}
    limited = {} if scopes is None else {"scopes": frozenset(s.strip() for s in scopes if s.strip())}
    profiles = tuple(profiles)
    settings = EmulatorSettings.from_environment(
        env,
        variant=variant,
        remember_deletions=remember_deletions,
        profiles=profiles,
        extra_specs=tuple(Path(path) for path in specs),
        **lifetimes,
        **limited,
    )
    scoped = [f"{p.name}: {' '.join(p.scopes)}" for p in profiles if p.kind == "grip" and p.scopes]
    server = EmulatorServer(settings, host=host, port=port).start()
    # SIGTERM (and a SIGINT a script's `&` ignored) stop it as Ctrl-C does: the thread stopped, the
    # port freed. Installed before the banner, which tells a script that the emulator is ready.
    saved_handlers = signals.install()
    try:
        for rule in rules:
            server.add_fault_rule(rule)
        lines = [
            f"KPN emulator ({variant} variant) listening on {server.base_url}",
            "credentials it accepts (export them, or leave them unset for the demo defaults):",
            *_credential_lines(env),
            f"  KPN Things application id (audience): {_demo.KPN_THINGS_APPLICATION_ID}",
            f"use it from pytest: pytest --kpn-target emulator --kpn-emulator-url {server.base_url}",
            f"request counts: {server.base_url}/_emulator/stats",
            f"scopes of GRIP tokens: {' '.join(sorted(server.granted_scopes)) or '(none)'}",
            *(f"scopes declared by grip profile {line}" for line in scoped),
            *(f"fault: {rule.endpoint} -> {rule.fault}" for rule in rules),
            f"products served: {len(server.app.state.product_names)}"
            + (f" (with {', '.join(str(path) for path in specs)})" if specs else ""),
            "press Ctrl-C to stop",
        ]
        out.write("\n".join(lines) + "\n")
        out.flush()
        stop = stop or threading.Event()
        while server.running and not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        out.write("stopping\n")
    finally:
        server.stop()
        signals.restore(saved_handlers)
