"""The local KPN emulator: one loopback origin serving every live KPN path.

* the API Store gateway token endpoint (and the MSM variant), all-strings payload and Apigee errors;
* GRIP machine authentication per tenant, with the three documented error texts;
* KPN Things: list devices (paging, search, sort), the sub-customer context switch, downlinks;
  302 for a bad token, 403 without access rights, 400 for a wrong Accept header, body or parameter;
* KPN Things' new API (``specs/kpn-things/*.yaml``) from the same device store: cursor paging,
  sort, ``q``, filters, writes; 401 for a bad token and 403 ``insufficient_scope`` for a token without
  the operation's scope (``EmulatorSettings.scopes``, ``kpn-contract emulate --scopes``);
* every API Store product in the spec folder, answering its documented success (one on its own host
  only, such as FIAM Eneco, at its own server's path, with its own API key: ``_gateway.py``);
* ``/_emulator/stats``, ``/_emulator/reset`` and ``/_emulator/faults`` for tests;
* a ``next`` variant with the deliberate changes listed in :data:`NEXT_VARIANT_CHANGES`;
* fault injection per endpoint (:class:`Fault`, :func:`parse_fault_spec`).

May import contract, config (the demo credentials) and the root; it never imports the session or
anything that sends requests, so tests and ``kpn-contract emulate`` start it alike.
"""

from kpn_contract.emulator._app import create_app
from kpn_contract.emulator._faults import Fault, FaultRule, parse_fault_spec
from kpn_contract.emulator._gateway import on_own_server
from kpn_contract.emulator._server import EmulatorServer, run_emulator_cli
from kpn_contract.emulator._settings import EmulatorSettings, GripKey
from kpn_contract.emulator._variant import NEXT_VARIANT_CHANGES

__all__ = [
    "NEXT_VARIANT_CHANGES",
    "EmulatorServer",
    "EmulatorSettings",
    "Fault",
    "FaultRule",
    "GripKey",
    "create_app",
    "on_own_server",
    "parse_fault_spec",
    "run_emulator_cli",
]
