"""Request bodies are capped: the emulator reads at most :data:`MAX_REQUEST_BODY` bytes of any request.

A body announced larger (``Content-Length``) is refused with 413 before a byte of it is read; a
chunked body is read until it passes the cap, then refused the same way. What was read is handed to
the application as one message, so no handler (token endpoints, products, ``/_emulator/faults``)
ever holds more than the cap. The 413 body names the limit, never anything of the request.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final

__all__ = ["MAX_REQUEST_BODY", "capped_receive"]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# KPN's documented request bodies are a few KB; 4 MiB leaves room for any product's largest.
MAX_REQUEST_BODY: Final = 4 * 1024 * 1024


async def _refuse(send: Send) -> None:
    body = json.dumps(
        {
            "status": 413,
            "error": "Payload Too Large",
            "message": f"request bodies are capped at {MAX_REQUEST_BODY} bytes",
        }
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send(
        {"type": "http.response.start", "status": 413, "headers": [*headers, (b"connection", b"close")]}
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


def _announced(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def capped_receive(scope: MutableMapping[str, Any], receive: Receive, send: Send) -> Receive | None:
    """A ``receive`` replaying the whole (capped) body, or None once a 413 has been sent."""
    announced = _announced(scope.get("headers", []))
    if announced is not None and announced > MAX_REQUEST_BODY:
        await _refuse(send)
        return None
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            pending: Message | None = message  # a disconnect: handed on as it came
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_REQUEST_BODY:
            await _refuse(send)
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            pending = None
            break
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            if pending is not None:
                return pending
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        return await receive()

    return replay
