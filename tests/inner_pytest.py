"""How the tests start an inner pytest run of a throwaway project: its plugins and its environment.

An inner run exercises kpn_contract's plugin. schemathesis's and hypothesis's pytest plugins load in
every pytest process through their entry points, about half a second of CPU per start and half of a
bare pytest start; ``make test`` starts well over a hundred inner runs. The inner runs here use
neither plugin (schemathesis is the optional ``fuzz`` extra), so they switch both off. The runs that
stand for a user's whole installation keep the default set: tests/integration (the built wheel) and
tests/security (every sink a user's run has).
"""

from __future__ import annotations

import os
from typing import Final

LEAN_PLUGINS: Final = ("-p", "no:schemathesis", "-p", "no:hypothesispytest")


def environment() -> dict[str, str]:
    """This process's environment without KPN_* settings (the runs use the emulator's demo credentials)
    and without an outer xdist worker's PYTEST_XDIST_* (an inner run is a run of its own)."""
    dropped = ("KPN_", "PYTEST_XDIST")
    return {name: value for name, value in os.environ.items() if not name.startswith(dropped)}
