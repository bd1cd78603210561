"""The token provider for a profile's kind.

Kept apart from ``tokens.py``: both provider modules import ``tokens``, so choosing between them
there would make an import circle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kpn_contract.auth.api_store import ApiStoreTokenProvider
from kpn_contract.auth.grip import GripTokenProvider

if TYPE_CHECKING:
    from kpn_contract.auth.tokens import TokenProvider
    from kpn_contract.config.profiles import Credentials, Profile
    from kpn_contract.transport.retry import RetryPolicy

__all__ = ["provider_for"]


def provider_for(
    profile: Profile, credentials: Credentials, *, retry: RetryPolicy | None = None
) -> TokenProvider:
    """The token provider for the profile's kind, retrying transient faults by ``retry``."""
    if profile.kind == "grip":
        return GripTokenProvider(profile, credentials, retry=retry)
    return ApiStoreTokenProvider(profile, credentials, retry=retry)
