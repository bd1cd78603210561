"""Recording at the httpx transport seam, with vcrpy's record modes plus ``rewrite``.

================  =========================================================================
mode              behaviour
================  =========================================================================
``none``          replay only; a request without a recording raises CassetteError
``once``          no cassette yet: record everything. A cassette exists: like ``none``
``new_episodes``  replay what is recorded (each recording once), record the rest
``all``           every request goes to the target and is appended (vcrpy keeps old ones)
``rewrite``       discard the old cassette and record afresh
================  =========================================================================

Recording is linear: each new interaction is appended in memory, and the cassette is written
once, atomically, on :meth:`RecordingTransport.close` (or :meth:`~RecordingTransport.flush`), and
only if something new was recorded. A test that is interrupted (Ctrl-C, SIGTERM, a crash, even
``kill -9``) writes nothing: its front door calls :meth:`RecordingTransport.discard` instead, so the
previous cassette stays byte-identical and a new one is never created half-recorded. Everything
written passes through the :class:`Scrubber` at write time, so secrets registered after a request
was made are removed too.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from kpn_contract.cassettes.match import InteractionIndex
from kpn_contract.cassettes.replay import ReplayTransport, describe_request, response_from
from kpn_contract.cassettes.scrub import Scrubber
from kpn_contract.cassettes.store import Cassette, Interaction, cassette_lock, load_cassette, save_cassette

# Re-exported: the record modes lived here before they got their one home.
from kpn_contract.config.run_modes import RecordMode, parse_record_mode
from kpn_contract.errors import CassetteError, UsageError
from kpn_contract.transport.routing import async_inner, sync_inner

__all__ = ["RecordMode", "RecordingTransport", "open_cassette_transport", "parse_record_mode"]

logger = logging.getLogger(__name__)


_Fingerprint = tuple[int, int, int] | None


def _fingerprint(path: Path) -> _Fingerprint:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def _toolkit_version() -> str:
    from kpn_contract import __version__

    return __version__


def _merge_meta(old: Mapping[str, Any], new: Mapping[str, Any], *, keep_old: bool) -> dict[str, Any]:
    meta: dict[str, Any] = dict(old) if keep_old else {}
    for key, value in new.items():
        if key == "profiles" and keep_old and isinstance(meta.get(key), list):
            meta[key] = sorted({*meta[key], *value})
        elif key == "specs" and keep_old and isinstance(meta.get(key), dict):
            meta[key] = {**meta[key], **value}
        elif key == "target" and keep_old and meta.get(key) not in (None, value):
            # Interactions from two targets now share this cassette: say so rather than pick one.
            meta[key] = "+".join(sorted({*str(meta[key]).split("+"), str(value)}))
        else:
            meta[key] = value
    meta["recorded_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    meta["toolkit"] = _toolkit_version()
    return meta


def _normalise_meta(meta: Mapping[str, Any] | None) -> dict[str, Any]:
    out = dict(meta or {})
    if "profiles" in out:
        out["profiles"] = sorted(str(p) for p in out["profiles"])
    if "specs" in out:
        out["specs"] = {str(k): str(v) for k, v in dict(out["specs"]).items()}
    return out


class RecordingTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Records what ``inner`` answers into ``cassette_path``, replaying where ``mode`` allows.

    ``meta`` is stored in the cassette's ``kpn_contract:`` key: ``target`` (``live``/``emulator``),
    ``profiles`` (names) and ``specs`` (``{title: info.version}``); ``recorded_at`` and ``toolkit``
    are added here. The client gets the real response; only the written copy is scrubbed.
    Closing this transport closes ``inner``. ``root`` is the cassette directory the file and its
    lock must stay inside (default: the cassette's own folder).
    """

    def __init__(
        self,
        inner: httpx.BaseTransport | httpx.AsyncBaseTransport,
        cassette_path: str | os.PathLike[str],
        *,
        mode: str | RecordMode = RecordMode.ONCE,
        scrubber: Scrubber | None = None,
        meta: Mapping[str, Any] | None = None,
        miss_hint: str | None = None,
        root: str | os.PathLike[str] | None = None,
    ) -> None:
        self.inner = inner
        self._miss_hint = miss_hint or "use --kpn-record-mode new_episodes to add it"
        self.path = Path(cassette_path)
        self.root = root
        self.mode = parse_record_mode(mode)
        self.scrubber = scrubber or Scrubber()
        # Kept by reference: the session fills in ``specs`` as responses are validated, before close.
        self._meta_source: Mapping[str, Any] = meta if meta is not None else {}
        self._lock = threading.Lock()
        self._fingerprint = _fingerprint(self.path)
        existed = self._fingerprint is not None
        # rewrite never reads the old cassette: it may be the corrupt one being replaced.
        if existed and self.mode is not RecordMode.REWRITE:
            loaded = load_cassette(self.path)
            self._base, self._base_meta = loaded.interactions, loaded.meta
        else:
            self._base, self._base_meta = [], {}
        self._new: list[Interaction] = []
        replaying = self.mode in (RecordMode.NONE, RecordMode.NEW_EPISODES) or (
            self.mode is RecordMode.ONCE and existed
        )
        self._index = InteractionIndex(self._base, self.scrubber) if replaying else None
        self._may_record = self.mode is not RecordMode.NONE and not (self.mode is RecordMode.ONCE and existed)
        # Exhausted queues repeat only when nothing can be recorded instead.
        self._repeat_last = not self._may_record

    # ------------------------------------------------------------------ requests

    def _playback(self, request: httpx.Request) -> httpx.Response | None:
        if self._index is None:
            return None
        key = self._index.key_of(request)
        interaction = self._index.next(key, repeat_last=self._repeat_last)
        if interaction is not None:
            return response_from(interaction)
        if not self._may_record:
            why = (
                "the cassette exists and record mode is 'once'"
                if self.mode is RecordMode.ONCE
                else ("record mode is 'none'")
            )
            raise CassetteError(
                f"no recording for {describe_request(request, self.scrubber)} and {why}; {self._miss_hint}",
                path=str(self.path),
            )
        return None

    def _capture(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        body = response.content  # decoded: the cassette and the client both see identity encoding
        headers = [
            (name, str(len(body)) if name.lower() == "content-length" else value)
            for name, value in response.headers.multi_items()
            if name.lower() != "content-encoding"
        ]
        interaction = Interaction(
            method=request.method,
            uri=str(request.url),
            request_headers=tuple(request.headers.multi_items()),
            request_body=request.content,
            status=response.status_code,
            reason=response.reason_phrase,
            response_headers=tuple(headers),
            response_body=body,
        )
        with self._lock:
            self._new.append(interaction)
        return response_from(interaction)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        replayed = self._playback(request)
        if replayed is not None:
            return replayed
        response = sync_inner(self.inner).handle_request(request)
        response.read()
        return self._capture(request, response)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.handle_async_request_via(request, async_inner(self.inner))

    async def handle_async_request_via(
        self, request: httpx.Request, inner: httpx.AsyncBaseTransport
    ) -> httpx.Response:
        """Like :meth:`handle_async_request`, with ``inner`` in place of this cassette's own transport.

        An async client brings its own network stack (its connection pool belongs to one event loop),
        while the interactions still go into this one cassette, beside the sync clients' ones.
        """
        await request.aread()
        replayed = self._playback(request)
        if replayed is not None:
            return replayed
        response = await inner.handle_async_request(request)
        await response.aread()
        return self._capture(request, response)

    # ------------------------------------------------------------------ writing

    @property
    def recorded(self) -> list[Interaction]:
        """What this transport recorded and has not written yet, scrubbed."""
        with self._lock:
            return [self.scrubber.interaction(i) for i in self._new]

    def flush(self) -> None:
        """Write the cassette now if anything new was recorded (atomically, under the cassette lock).

        If another process (an xdist worker sharing the cassette) wrote it since this transport read
        it, its interactions are kept and ours appended, so parallel recorders never lose each other's.
        """
        with self._lock:
            if not self._new:
                return
            with cassette_lock(self.path, self.root):
                base, base_meta = self._base, self._base_meta
                if _fingerprint(self.path) not in (self._fingerprint, None):
                    current = load_cassette(self.path)
                    base, base_meta = current.interactions, current.meta
                keep_old = bool(base) or self.mode is not RecordMode.REWRITE
                interactions = [self.scrubber.interaction(i) for i in (*base, *self._new)]
                meta = _merge_meta(base_meta, _normalise_meta(self._meta_source), keep_old=keep_old)
                save_cassette(Cassette(self.path, interactions, meta), lock=False, root=self.root)
                self._base, self._base_meta = interactions, meta
                self._new = []
                self._fingerprint = _fingerprint(self.path)

    def discard(self) -> int:
        """Drop what was recorded and not written yet (an interrupted test); returns how many.

        The cassette on disk is left as it was: the previous one byte-identical, a new one absent.
        """
        with self._lock:
            dropped, self._new = len(self._new), []
        if dropped:
            logger.warning("%s: interrupted, %d new recording(s) not written", self.path, dropped)
        return dropped

    def close(self) -> None:
        """Write the cassette (if anything new was recorded), then close the inner transport."""
        try:
            self.flush()
        finally:
            if isinstance(self.inner, httpx.BaseTransport):
                self.inner.close()

    async def aclose(self) -> None:
        """Write the cassette (if anything new was recorded), then close the inner transport."""
        try:
            self.flush()
        finally:
            if isinstance(self.inner, httpx.AsyncBaseTransport):
                await self.inner.aclose()


def open_cassette_transport(
    path: str | os.PathLike[str],
    mode: str | RecordMode,
    inner: httpx.BaseTransport | httpx.AsyncBaseTransport | None,
    scrubber: Scrubber | None = None,
    meta: Mapping[str, Any] | None = None,
    *,
    miss_hint: str | None = None,
    root: str | os.PathLike[str] | None = None,
) -> ReplayTransport | RecordingTransport:
    """The cassette transport for one test or session.

    ``inner=None`` is the replay target: a :class:`ReplayTransport` with no network below it (the
    mode must then be ``none``; a missing cassette replays nothing, and each request fails naming
    it). Otherwise a :class:`RecordingTransport` over ``inner`` in ``mode``. ``miss_hint`` tells the
    user how to record a request that has no recording (default: the pytest options).
    """
    record_mode = parse_record_mode(mode)
    cassette_path = Path(path)
    if inner is None:
        if record_mode is not RecordMode.NONE:
            raise UsageError(
                f"record mode {record_mode.value!r} needs a target to record against (emulator or live); "
                "the replay target only replays"
            )
        cassette = load_cassette(cassette_path) if cassette_path.exists() else Cassette(cassette_path)
        return ReplayTransport(cassette, scrubber, miss_hint=miss_hint)
    return RecordingTransport(
        inner, cassette_path, mode=record_mode, scrubber=scrubber, meta=meta, miss_hint=miss_hint, root=root
    )
