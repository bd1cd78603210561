"""Contract coverage: which declared operations, statuses, parameters and media types a run exercised.

``model.py`` computes (through the one operation lookup, ``SpecIndex``), ``sources.py`` reduces
cassettes or live responses to exchanges, ``render.py`` and ``html.py`` present the result.

May import contract, cassettes and the root.
"""

from kpn_contract.coverage.model import REPORT_FORMAT, CoverageReport, Exchange, compute
from kpn_contract.coverage.sources import exchange_from_response, exchanges_from_cassettes

__all__ = [
    "REPORT_FORMAT",
    "CoverageReport",
    "Exchange",
    "compute",
    "exchange_from_response",
    "exchanges_from_cassettes",
]
