"""Where a request physically goes (live HTTPS or the loopback emulator, ``routing.py``) and the one
retry policy (``retry.py``), as httpx transports that serve sync and async clients alike.

May import config and the root; the domains (auth, cassettes, fuzz) and the session build on it.
"""
