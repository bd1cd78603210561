"""Notebook helpers: the plugin's profiles, tokens, validation and cassettes, with rich views.

::

    from kpn_contract.notebook import kpn_notebook

    with kpn_notebook("things", cassette="02-explore-kpn-things") as nb:  # closing writes the cassettes
        nb.token()                                   # masked token, expiry, schema verdict
        nb.call("GET", "/api/devices", headers=...)  # status, operation, verdict, redacted body excerpt
        nb.violations                                # every violation so far, as a table
        client = nb.async_client()                   # an httpx.AsyncClient: `await client.get(...)`

Where calls go is chosen by one environment variable, ``KPN_TARGET``: ``replay`` (the default: the
committed cassettes under ``cassettes/notebooks/<cassette>/``, so a notebook runs offline on a fresh
clone), ``emulator`` (a local emulator, started on demand unless ``KPN_EMULATOR_URL`` names one) or
``live``. ``KPN_RECORD=1`` with the emulator or live target rewrites the notebook's cassettes;
``kpn_notebook(..., target="emulator", record_mode="once")`` records what is missing. Across cells,
open the session in the first cell and call ``nb.close()`` in the last.

Everything shown (HTML and plain-text reprs) passes through :func:`kpn_contract.redact.redact`; a
token is only ever shown masked. The views live in :mod:`kpn_contract.notebook.views`, the session in
``_session``, its opening (``kpn_notebook``) in ``_open``.

A front door: it composes :class:`~kpn_contract.session.kpn_session.KPNSession`. May import every
layer below; nothing in kpn_contract imports it.
"""

from kpn_contract.notebook._open import CALLS_CASSETTE, NOTEBOOK_CASSETTES, kpn_notebook, session
from kpn_contract.notebook._session import NotebookSession
from kpn_contract.notebook.views import (
    CheckedResponse,
    FindingsChart,
    FindingTable,
    TokenAttempt,
    TokenCard,
    ViolationTable,
)

__all__ = [
    "CALLS_CASSETTE",
    "NOTEBOOK_CASSETTES",
    "CheckedResponse",
    "FindingTable",
    "FindingsChart",
    "NotebookSession",
    "TokenAttempt",
    "TokenCard",
    "ViolationTable",
    "kpn_notebook",
    "session",
]
