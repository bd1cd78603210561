"""Context managers the front doors wrap around a run or a test.

:class:`EmulatorContext` runs a local emulator for the length of a run; :class:`test_cassette` opens
one test's cassette on a :class:`~kpn_contract.session.kpn_session.KPNSession` and, in replay,
blocks the network meanwhile.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from kpn_contract.config.profiles import Profile
    from kpn_contract.session.kpn_session import CassetteHandle, KPNSession

__all__ = ["EmulatorContext", "test_cassette"]


class EmulatorContext:
    """Start an emulator that accepts the credentials the profiles resolve to (environment, else demo).

    Imports uvicorn and starlette only when entered.
    """

    def __init__(
        self,
        variant: Literal["current", "next"] = "current",
        *,
        scopes: Iterable[str] | None = None,
        profiles: Iterable[Profile] = (),
    ) -> None:
        self.variant = variant
        self.scopes = None if scopes is None else frozenset(scopes)  # None: every scope the specs name
        self.profiles = tuple(profiles)  # their GRIP keys, limited to the scopes they declare

    def __enter__(self) -> Any:
        from kpn_contract.emulator import EmulatorServer, EmulatorSettings

        settings = EmulatorSettings.from_environment(os.environ, scopes=self.scopes, profiles=self.profiles)
        settings.variant = self.variant
        self.server = EmulatorServer(settings).start()
        return self.server

    def __exit__(self, *exc: object) -> None:
        self.server.stop()


class test_cassette:  # noqa: N801 - used like contextlib's lower-case context managers
    """Open the cassette of one test; in replay, refuse every network connection meanwhile.

    The cassette is written when the block ends, whether the test passed or failed, unless the
    test was interrupted: a ``KeyboardInterrupt`` (or another ``BaseException`` that is no
    ``Exception``) leaving the block, or ``interrupted`` set by the front door (pytest tears the
    fixtures down after the interrupt has been caught). Then nothing is written.
    """

    def __init__(
        self,
        session: KPNSession,
        nodeid: str,
        profile: str,
        shared_name: object,
        *,
        validated: bool | str = True,
        test_file: Path | None = None,
    ) -> None:
        self.session = session
        self.nodeid = nodeid
        self.test_file = test_file  # names the cassette folder of a test outside the rootdir
        self.profile = profile
        self.shared_name = shared_name
        self.validated = validated
        self._block: Any = None
        self.interrupted = False

    def __enter__(self) -> CassetteHandle:
        from kpn_contract.cassettes.naming import cassette_path

        config = self.session.config
        path = cassette_path(
            self.session.options.cassette_dir,
            self.nodeid,
            self.shared_name,
            test_file=self.test_file,
            base=config.root if config.source is not None else None,  # anchored at the config file
        )
        self.handle = self.session.open_cassette(path, [self.profile], validated=self.validated)
        if self.session.options.target == "replay":
            from kpn_contract.cassettes.netblock import block_network

            self._block = block_network()
            self._block.__enter__()
        return self.handle

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        interrupted = self.interrupted or (exc_type is not None and not issubclass(exc_type, Exception))
        try:
            if self._block is not None:
                self._block.__exit__(exc_type, exc, tb)
        finally:
            self.handle.close(interrupted=interrupted)
