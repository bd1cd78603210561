"""The fuzz tests need the session-wide fuzz fixture (the kpn_contract plugin may provide it too)."""

from kpn_contract.fuzz import kpn_fuzz_session

__all__ = ["kpn_fuzz_session"]
