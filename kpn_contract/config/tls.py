"""THE TLS contexts of the process: one per CA bundle, shared by every client and transport.

httpx builds a new verifying context for each client or transport given ``verify=True``, loading
the whole CA bundle (15 to 30 ms each time, measured here). The emulator target builds a routing transport per
session and the fuzzers a client per case, so sharing one context per bundle saves that on every
one of them. A context holds no connection state, so one can serve every client of the process.
"""

from __future__ import annotations

import functools
import ssl

__all__ = ["trusted_context"]


def trusted_context(cafile: str | None = None) -> ssl.SSLContext:
    """A verifying context: httpx's default (certifi's bundle), or one trusting ``cafile``.

    Raises ``OSError`` or ``ssl.SSLError`` when ``cafile`` cannot be loaded (nothing is cached then).
    """
    return _context(cafile)  # one cache key per bundle, however the argument is spelt


@functools.cache
def _context(cafile: str | None) -> ssl.SSLContext:
    if cafile is None:
        import httpx  # here: the config layer is read at every pytest start, httpx only when a client is made

        return httpx.create_ssl_context()
    return ssl.create_default_context(cafile=cafile)
