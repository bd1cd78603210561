"""The retry policy: transient faults retried with bounded backoff, credential errors and POSTs never."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from kpn_contract.auth import Token, provider_for
from kpn_contract.config.profiles import Credentials, Profile
from kpn_contract.errors import TokenError, UsageError
from kpn_contract.transport.retry import RetryPolicy, RetryTransport, retry_after_seconds

from .conftest import FakeKPN, Sleeps, json_response


class Script:
    """A transport handler answering from a script of responses/exceptions, then 200."""

    def __init__(self, *steps: httpx.Response | Exception) -> None:
        self.steps = list(steps)
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.steps:
            step = self.steps.pop(0)
            if isinstance(step, Exception):
                raise step
            return step
        return json_response(200, {"ok": True})


def test_backoff_is_exponential_and_bounded() -> None:
    policy = RetryPolicy(initial=0.5, maximum=3.0)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_bad_policy_arguments() -> None:
    with pytest.raises(UsageError, match="attempts"):
        RetryPolicy(attempts=0)
    with pytest.raises(UsageError, match="negative"):
        RetryPolicy(initial=-1)


def test_retry_after_parsing() -> None:
    assert retry_after_seconds(httpx.Response(429, headers={"retry-after": "7"})) == 7.0
    assert retry_after_seconds(httpx.Response(429, headers={"retry-after": "soon"})) is None
    assert retry_after_seconds(httpx.Response(429)) is None
    when = datetime(2030, 1, 1, tzinfo=UTC)
    dated = httpx.Response(429, headers={"retry-after": format_datetime(when, usegmt=True)})
    assert retry_after_seconds(dated, now=(when - timedelta(seconds=12)).timestamp()) == pytest.approx(12.0)


@pytest.mark.parametrize(
    "fault",
    [
        json_response(500, {"e": 1}),
        json_response(503, {"e": 1}),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.ConnectTimeout("slow"),
        httpx.RemoteProtocolError("server disconnected"),
        httpx.ReadError("connection reset by peer"),
    ],
    ids=["500", "503", "connect", "read-timeout", "connect-timeout", "protocol", "reset"],
)
def test_transient_faults_are_retried_until_recovery(
    policy: RetryPolicy, sleeps: Sleeps, fault: object
) -> None:
    script = Script(fault, fault, fault)  # type: ignore[arg-type]
    with httpx.Client(transport=RetryTransport(httpx.MockTransport(script), policy)) as client:
        response = client.get("https://api.kpnthings.com/api/devices")
    assert response.status_code == 200
    assert script.calls == 4
    assert sleeps.waits == [0.2, 0.4, 0.8]


def test_gives_up_after_attempts_with_the_last_response(policy: RetryPolicy, sleeps: Sleeps) -> None:
    script = Script(*(json_response(502, {"n": n}) for n in range(10)))
    with httpx.Client(transport=RetryTransport(httpx.MockTransport(script), policy)) as client:
        response = client.get("https://api.kpnthings.com/api/devices")
    assert response.status_code == 502
    assert response.json() == {"n": 3}
    assert script.calls == 4
    assert len(sleeps.waits) == 3


def test_gives_up_after_attempts_reraising_the_error(policy: RetryPolicy) -> None:
    script = Script(*(httpx.ConnectError("refused") for _ in range(10)))
    with (
        httpx.Client(transport=RetryTransport(httpx.MockTransport(script), policy)) as client,
        pytest.raises(httpx.ConnectError),
    ):
        client.get("https://api.kpnthings.com/api/devices")
    assert script.calls == 4


def test_429_honours_retry_after_capped_by_maximum(policy: RetryPolicy, sleeps: Sleeps) -> None:
    script = Script(
        json_response(429, {}, **{"retry-after": "2"}),
        json_response(429, {}, **{"retry-after": "120"}),
    )
    with httpx.Client(transport=RetryTransport(httpx.MockTransport(script), policy)) as client:
        assert client.get("https://api-prd.kpn.com/x").status_code == 200
    assert sleeps.waits == [2.0, 5.0]


def test_retry_after_can_be_ignored(sleeps: Sleeps) -> None:
    policy = RetryPolicy(initial=0.1, respect_retry_after=False, sleep=sleeps)
    script = Script(json_response(429, {}, **{"retry-after": "3"}))
    with httpx.Client(transport=RetryTransport(httpx.MockTransport(script), policy)) as client:
        client.get("https://api-prd.kpn.com/x")
    assert sleeps.waits == [0.1]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409])
def test_4xx_is_never_retried(policy: RetryPolicy, sleeps: Sleeps, status: int) -> None:
    script = Script(json_response(status, {"error": "no"}))
    with httpx.Client(transport=RetryTransport(httpx.MockTransport(script), policy)) as client:
        assert client.get("https://api-prd.kpn.com/x").status_code == status
    assert script.calls == 1
    assert sleeps.waits == []


@pytest.mark.parametrize(
    ("method", "retried"),
    [
        ("GET", True),
        ("HEAD", True),
        ("OPTIONS", True),
        ("PUT", True),
        ("DELETE", True),
        ("POST", False),
        ("PATCH", False),
    ],
)
def test_only_idempotent_methods_are_retried(policy: RetryPolicy, method: str, retried: bool) -> None:
    script = Script(json_response(503, {}), httpx.ConnectError("x"))
    with httpx.Client(transport=RetryTransport(httpx.MockTransport(script), policy)) as client:
        response = client.request(
            method, "https://api.kpnthings.com/api/actuator/downlinks", json=[{"n": "payloadHex"}]
        )
    assert script.calls == (3 if retried else 1)
    assert response.status_code == (200 if retried else 503)


def test_streamed_bodies_are_not_resent(policy: RetryPolicy) -> None:
    script = Script(json_response(503, {}))

    def body() -> object:
        yield b"chunk"

    with httpx.Client(transport=RetryTransport(httpx.MockTransport(script), policy)) as client:
        response = client.put("https://api.kpnthings.com/x", content=body())  # type: ignore[arg-type]
    assert (response.status_code, script.calls) == (503, 1)


def test_async_transport_retries(sleeps: Sleeps) -> None:
    policy = RetryPolicy(attempts=3, initial=0.1, sleep=sleeps, async_sleep=sleeps.asleep)
    script = Script(httpx.ConnectError("refused"), json_response(500, {}))

    async def handler(request: httpx.Request) -> httpx.Response:
        return script(request)

    async def main() -> tuple[int, int]:
        async with httpx.AsyncClient(
            transport=RetryTransport(httpx.MockTransport(handler), policy)
        ) as client:
            get = await client.get("https://api.kpnthings.com/api/devices")
            post = await client.post("https://api.kpnthings.com/api/devices")
        return get.status_code, post.status_code

    assert asyncio.run(main()) == (200, 200)
    assert script.calls == 4  # GET: connect error, 500, 200; POST: 200 at once
    assert sleeps.waits == [0.1, 0.2]


def test_a_transport_of_the_other_kind_is_a_type_error(policy: RetryPolicy) -> None:
    class SyncOnly(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(200)

    async def main() -> None:
        async with httpx.AsyncClient(transport=RetryTransport(SyncOnly(), policy)) as client:
            await client.get("https://api.kpnthings.com/api/devices")

    with pytest.raises(TypeError, match="SyncOnly cannot serve an asynchronous client"):
        asyncio.run(main())


def test_retries_are_logged_at_debug_with_redaction(
    policy: RetryPolicy, caplog: pytest.LogCaptureFixture
) -> None:
    script = Script(json_response(503, {}))
    caplog.set_level(logging.DEBUG, logger="kpn_contract")
    with httpx.Client(transport=RetryTransport(httpx.MockTransport(script), policy)) as client:
        client.get("https://api-prd.kpn.com/x?client_secret=planted-in-query-999")
    (record,) = [r for r in caplog.records if r.name == "kpn_contract.transport.retry"]
    assert record.levelno == logging.DEBUG
    assert "HTTP 503" in record.getMessage()
    assert "planted-in-query-999" not in record.getMessage()


# -- token fetching ----------------------------------------------------------------------------


def token_fetch(profile: Profile, creds: Credentials, kpn: FakeKPN, policy: RetryPolicy) -> Token:
    provider = provider_for(profile, creds, retry=policy)
    with httpx.Client(transport=kpn.transport()) as client:
        return provider.fetch(client)


@pytest.mark.parametrize(
    "fault",
    [
        json_response(500, {}),
        json_response(429, {}, **{"retry-after": "1"}),
        httpx.ConnectError("x"),
        httpx.ReadTimeout("x"),
    ],
    ids=["500", "429", "connect", "timeout"],
)
def test_token_fetch_retries_transient_faults(
    sandbox: Profile, sandbox_creds: Credentials, policy: RetryPolicy, fault: object
) -> None:
    steps = [fault, fault]

    def api(request: httpx.Request, fake: FakeKPN) -> httpx.Response:
        raise AssertionError

    kpn = FakeKPN(api=api)
    for step in steps:
        if isinstance(step, httpx.Response):
            kpn.token_failures.append(step)

    if isinstance(fault, Exception):
        raising = Script(fault, fault)

        def handler(request: httpx.Request) -> httpx.Response:
            if raising.steps:
                return raising(request)
            return kpn(request)

        provider = provider_for(sandbox, sandbox_creds, retry=policy)
        with httpx.Client(transport=httpx.MockTransport(handler)) as client:
            token = provider.fetch(client)
        assert raising.calls == 2
    else:
        token = token_fetch(sandbox, sandbox_creds, kpn, policy)
        assert len(kpn.token_requests()) == 3
    assert token.access_token == "issued-token-0001-xyz"


@pytest.mark.parametrize(
    "failure",
    [
        json_response(401, {"ErrorCode": "invalid_client", "Error": "ClientId is Invalid"}),
        json_response(400, {"ErrorCode": "invalid_request", "Error": "Required param : grant_type"}),
        json_response(500, {"ErrorCode": "invalid_client-invalid_client_id", "Error": "bad"}),
    ],
    ids=["401", "400", "msm-500"],
)
def test_token_credential_errors_are_not_retried(
    sandbox: Profile, sandbox_creds: Credentials, policy: RetryPolicy, sleeps: Sleeps, failure: httpx.Response
) -> None:
    kpn = FakeKPN()
    kpn.token_failures.append(failure)
    with pytest.raises(TokenError):
        token_fetch(sandbox, sandbox_creds, kpn, policy)
    assert len(kpn.token_requests()) == 1
    assert sleeps.waits == []


def test_grip_documented_error_with_5xx_is_not_retried(
    things: Profile, things_creds: Credentials, policy: RetryPolicy
) -> None:
    kpn = FakeKPN()
    kpn.token_failures.append(json_response(500, {"error": "Feature user does not exist anymore."}))
    with pytest.raises(TokenError, match="Feature user"):
        token_fetch(things, things_creds, kpn, policy)
    assert len(kpn.token_requests()) == 1


def test_token_fetch_gives_up_with_a_clear_error(
    sandbox: Profile, sandbox_creds: Credentials, policy: RetryPolicy
) -> None:
    kpn = FakeKPN()
    kpn.token_failures.extend(json_response(503, {"m": "down"}) for _ in range(4))
    with pytest.raises(TokenError, match="HTTP 503") as info:
        token_fetch(sandbox, sandbox_creds, kpn, policy)
    assert info.value.hint is not None
    assert "after the retries" in info.value.hint
    assert len(kpn.token_requests()) == 4


def test_token_fetch_async_retries(
    things: Profile, things_creds: Credentials, policy: RetryPolicy, sleeps: Sleeps
) -> None:
    kpn = FakeKPN()
    kpn.token_failures.append(json_response(502, {}))

    async def handler(request: httpx.Request) -> httpx.Response:
        return kpn(request)

    async def main() -> str:
        provider = provider_for(things, things_creds, retry=policy)
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            return (await provider.afetch(client)).access_token

    assert asyncio.run(main()) == "issued-token-0001-xyz"
    assert sleeps.waits == [0.2]


def test_real_timeout_is_bounded(sandbox_creds: Credentials) -> None:
    """A token endpoint that never answers gives a clear error within timeout times attempts."""
    import socket
    import time

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)  # accepts the connection, never answers
    port = server.getsockname()[1]
    profile = Profile(
        name="hang",
        kind="api-store",
        token_url=f"http://127.0.0.1:{port}/token",
        client_id_env="A",
        client_secret_env="B",
        timeout=0.3,
    )
    provider = provider_for(profile, sandbox_creds, retry=RetryPolicy(attempts=2, initial=0.0))
    started = time.monotonic()
    try:
        with httpx.Client() as client, pytest.raises(TokenError, match="ReadTimeout"):
            provider.fetch(client)
    finally:
        server.close()
    assert time.monotonic() - started < 3.0


class _CtrlC:
    """A transport handler that is interrupted (Ctrl-C) on its first call."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        raise KeyboardInterrupt


def test_ctrl_c_during_a_request_goes_through_the_retries(policy: RetryPolicy, sleeps: Sleeps) -> None:
    interrupted = _CtrlC()
    with (
        httpx.Client(transport=RetryTransport(httpx.MockTransport(interrupted), policy)) as client,
        pytest.raises(KeyboardInterrupt),
    ):
        client.get("https://api.kpnthings.com/devices")
    assert (interrupted.calls, sleeps.waits) == (1, [])


def test_ctrl_c_during_a_token_fetch_goes_through(
    things: Profile, things_creds: Credentials, policy: RetryPolicy, sleeps: Sleeps
) -> None:
    interrupted = _CtrlC()
    provider = provider_for(things, things_creds, retry=policy)
    with httpx.Client(transport=httpx.MockTransport(interrupted)) as client, pytest.raises(KeyboardInterrupt):
        provider.fetch(client)
    assert (interrupted.calls, sleeps.waits) == (1, [])
