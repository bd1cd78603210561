"""Files: THE guarded reader of every file the toolkit reads, and the safe YAML/JSON parse with budgets.

Public API (stable; specs, ``$ref`` targets, migration maps, cassettes and audit targets go through it):

* :func:`read_guarded` (path -> bytes): regular files only, size cap, symlinks not followed out of
  the folder given, a FIFO never waited on;
* :func:`walk_files`: a folder's files, sorted; symlinked folders are not entered, so walks end;
* :func:`parse_yaml`, :func:`parse_json`: safe parse with a nesting-depth limit and an
  alias-expansion budget (``check_depth``, ``check_aliases`` alone for callers that parse themselves);
* :class:`RefusedInputError`: what every refusal raises; ``problem`` names the file's fault and the limit.

Imports nothing of kpn_contract: every layer above may use it.
"""

from kpn_contract.files.guarded import (
    MAX_FILE_BYTES,
    RefusedInputError,
    read_guarded,
    walk_files,
)
from kpn_contract.files.parse import (
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    check_aliases,
    check_depth,
    maybe_aliases,
    parse_json,
    parse_yaml,
)

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "RefusedInputError",
    "check_aliases",
    "check_depth",
    "maybe_aliases",
    "parse_json",
    "parse_yaml",
    "read_guarded",
    "walk_files",
]
