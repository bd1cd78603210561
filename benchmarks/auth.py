"""Cost of authentication on the hot path, against its baselines, in one run.

Prints human-readable lines, then one JSON line last:
``{"cache_hit_per_s", "dict_get_per_s", "kpnauth_request_per_s", "bare_request_per_s", "parse_gateway_per_s",
"threads_20_fetches"}``.

* cache_hit: ``TokenCache.get`` for a fresh token (the cost every API call pays), against a plain dict lookup;
* kpnauth_request: a GET through ``httpx.Client(auth=KPNAuth)`` over ``MockTransport``, against the same
  client with no auth (the goal: KPNAuth adds < 20%);
* parse_gateway: ``parse_gateway_token`` on the documented all-strings body;
* threads_20_fetches: token fetches made when 20 threads start cold at once (the goal: 1).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable

import httpx

from kpn_contract.auth import KPNAuth, Token, TokenCache, parse_gateway_token, provider_for
from kpn_contract.config.profiles import DEFAULT_PROFILES, Credentials

BODY = json.dumps(
    {
        "token_type": "Bearer",
        "issued_at": "1587458037687",
        "access_token": "staG765sBUuai4OMeZiTful6PTRt",
        "expires_in": "3599",
        "level": "demo",
        "status": "approved",
    }
).encode()


def rate(func: Callable[[], object], seconds: float = 0.5) -> float:
    count = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(100):
            func()
        count += 100
    return count / elapsed


def handler(request: httpx.Request) -> httpx.Response:
    if "token" in request.url.path:
        return httpx.Response(200, content=BODY, headers={"content-type": "application/json"})
    return httpx.Response(200, content=b'{"content": []}', headers={"content-type": "application/json"})


def main() -> None:
    token = Token("staG765sBUuai4OMeZiTful6PTRt", "Bearer", 3599.0, time.time())
    cache = TokenCache()
    cache.get("k", lambda: token)
    plain = {"k": token}
    results: dict[str, float | int] = {
        "cache_hit_per_s": rate(lambda: cache.get("k", lambda: token)),
        "dict_get_per_s": rate(lambda: plain.get("k")),
    }

    profile = DEFAULT_PROFILES["sandbox"]
    creds = Credentials("sandbox", "bench-client-id-0001", "bench-client-secret-0001")
    transport = httpx.MockTransport(handler)
    with (
        httpx.Client(transport=transport) as token_client,
        httpx.Client(
            base_url=profile.base_url,
            transport=transport,
            auth=KPNAuth(provider_for(profile, creds), TokenCache(), token_client=token_client),
        ) as authed,
        httpx.Client(base_url=profile.base_url, transport=transport) as bare,
    ):
        results["kpnauth_request_per_s"] = rate(lambda: authed.get("/x"))
        results["bare_request_per_s"] = rate(lambda: bare.get("/x"))
    response = httpx.Response(200, content=BODY, headers={"content-type": "application/json"})
    results["parse_gateway_per_s"] = rate(lambda: parse_gateway_token(response))

    fetches = 0
    lock = threading.Lock()

    def slow_fetch() -> Token:
        nonlocal fetches
        with lock:
            fetches += 1
        time.sleep(0.05)
        return Token("staG765sBUuai4OMeZiTful6PTRt", "Bearer", 3599.0, time.time())

    cold = TokenCache()
    threads = [threading.Thread(target=cold.get, args=("k", slow_fetch)) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results["threads_20_fetches"] = fetches

    overhead = 1 - results["kpnauth_request_per_s"] / results["bare_request_per_s"]
    print(
        f"TokenCache.get (hit): {results['cache_hit_per_s']:,.0f}/s "
        f"(dict.get {results['dict_get_per_s']:,.0f}/s)"
    )
    print(
        f"GET with KPNAuth: {results['kpnauth_request_per_s']:,.0f}/s, without: "
        f"{results['bare_request_per_s']:,.0f}/s (overhead {overhead:.0%})"
    )
    print(f"parse_gateway_token: {results['parse_gateway_per_s']:,.0f}/s")
    print(f"20 cold threads -> {fetches} token fetch(es)")
    print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in results.items()}))


if __name__ == "__main__":
    main()
