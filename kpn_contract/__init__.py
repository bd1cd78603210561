"""kpn_contract: contract testing for KPN's APIs with pytest and Jupyter."""

from importlib.metadata import PackageNotFoundError, version

from kpn_contract.errors import (
    CassetteError,
    ConfigError,
    ContractViolation,
    KPNContractError,
    NetworkBlockedError,
    SpecError,
    TokenError,
    UsageError,
)
from kpn_contract.logs import install_redaction
from kpn_contract.redact import mask, redact

# Records of kpn_contract's and httpx's loggers never carry a secret, whoever handles them.
install_redaction()

try:
    __version__ = version("kpn-contract")
except PackageNotFoundError:  # pragma: no cover - running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = [
    "CassetteError",
    "ConfigError",
    "ContractViolation",
    "KPNContractError",
    "NetworkBlockedError",
    "SpecError",
    "TokenError",
    "UsageError",
    "__version__",
    "mask",
    "redact",
]
