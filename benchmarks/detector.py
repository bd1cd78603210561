"""The secret detector against its baseline, in one run: one Aho-Corasick pass vs one regex alternation.

Twelve awkward values (quotes, backslash, space, non-ASCII; four hex IDs) are registered, and each
is expanded into every spelling the detector knows (``forms``). Timed on the same texts (log lines,
URLs, a media type, some with a value planted in a random form):

* ``ours_s``: :meth:`SecretDetector.redact` over the texts (the hot path of replay, logs and reports);
* ``regex_s``: one compiled alternation of the same spellings, longest first, ``sub`` over the texts;
* ``build_s``: building the detector's automaton once (the forms cached: what a new token costs).

Target: ours at most as slow as the regex (``ours_over_regex`` <= 1). The last line printed is one
JSON object.

    .venv/bin/python benchmarks/detector.py
"""

from __future__ import annotations

import json
import random
import re
import secrets
import time
from collections.abc import Callable

from kpn_contract.secrets import SecretDetector, encoded_forms

REPEATS = 7


def best_of(func: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        func()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    values = [f"v{i}{secrets.token_hex(10)} +/=&%\"'\\ é" for i in range(8)]
    values += [secrets.token_hex(16) for _ in range(4)]
    spellings = sorted({s for v in values for s in encoded_forms(v)}, key=len, reverse=True)
    chooser = random.Random(21)
    texts = []
    for i in range(400):
        line = f"GET /api/devices?page={i}&size=50 Accept: application/vnd.kpnthings.device.v1.response+json "
        if i % 10 == 0:
            line += chooser.choice(spellings)
        texts.append(line * 8)
    detector = SecretDetector(values)
    detector.find("warm up")
    alternation = re.compile("|".join(map(re.escape, spellings)))

    ours = best_of(lambda: [detector.redact(t) for t in texts])
    regex = best_of(lambda: [alternation.sub("REDACTED", t) for t in texts])
    build = best_of(lambda: SecretDetector(values).find("x"))
    result = {
        "values": len(values),
        "forms": len(spellings),
        "texts": len(texts),
        "ours_s": round(ours, 5),
        "regex_s": round(regex, 5),
        "build_s": round(build, 5),
        "ours_over_regex": round(ours / regex, 3),
        "targets_met": ours <= regex,
    }
    print(f"detector: {len(spellings)} spellings of {len(values)} values")
    print(f"ours {ours:.4f} s, regex {regex:.4f} s, build {build:.4f} s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
