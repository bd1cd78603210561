"""Templates of ``kpn-contract init`` (package data, read through importlib.resources).

Templates only, no code: nothing imports it, and it imports nothing.
"""
