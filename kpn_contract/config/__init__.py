"""Configuration: profiles and credentials from the environment, ``kpn-contract.toml`` /
``[tool.kpn_contract]``, run settings and their precedence, the names of targets and record modes.

May import only the root (errors, redact, logs, secrets), so every layer above can read settings.
"""
