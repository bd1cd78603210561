"""kpn_contract: contract testing for KPN's APIs with pytest and Jupyter."""

from kpn_contract.errors import (
    CassetteError,
    ConfigError,
    ContractViolation,
    KPNContractError,
    NetworkBlockedError,
    RequestViolation,
    SpecError,
    TokenError,
    UsageError,
)
from kpn_contract.logs import install_redaction
from kpn_contract.redact import mask, redact

# Records of kpn_contract's and httpx's loggers never carry a secret, whoever handles them.
install_redaction()


def __getattr__(name: str) -> str:
    # Read from the installed metadata on first use: importlib.metadata costs ~60 ms to import, and
    # the pytest plugin imports this package in every test run.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("kpn-contract")
        except PackageNotFoundError:  # pragma: no cover - a source tree that is not installed
            return "0.0.0"
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CassetteError",
    "ConfigError",
    "ContractViolation",
    "KPNContractError",
    "NetworkBlockedError",
    "RequestViolation",
    "SpecError",
    "TokenError",
    "UsageError",
    "__version__",
    "mask",
    "redact",
]
