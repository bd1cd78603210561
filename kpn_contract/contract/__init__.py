"""Contracts: loading specs, the response-code rules and validation.

May import only the root: every other layer reads specs and validates through it.
"""
