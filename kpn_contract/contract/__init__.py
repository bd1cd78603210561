"""Contracts: loading specs, the response-code rules and validation."""
