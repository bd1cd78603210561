"""Templates of ``kpn-contract init`` (package data, read through importlib.resources)."""
