"""Property tests: only the toolkit's own errors escape the token flow, the spec loader, the cassette loader.

They complement the unit-level properties (random bytes into the token parsers, YAML-ish text into
the spec loader, random trees into the cassette loader) with *structured* inputs that get further:

* token responses as the providers really meet them, through ``fetch`` over an httpx transport,
  with unread bodies, wrong Content-Encodings and odd charsets;
* OpenAPI / Swagger documents built from the spec vocabulary, with local, external, dangling and
  cyclic ``$ref`` pointers, written as YAML or JSON;
* valid cassettes with one field mutated, deleted or retyped.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import httpx
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpn_contract.auth.api_store import ApiStoreTokenProvider
from kpn_contract.auth.grip import GripTokenProvider
from kpn_contract.cassettes.store import Cassette, Interaction, dump_cassette, load_cassette
from kpn_contract.config.profiles import DEFAULT_PROFILES, resolve_credentials
from kpn_contract.contract.specs import load_spec
from kpn_contract.errors import CassetteError, SpecError, TokenError
from kpn_contract.transport.retry import RetryPolicy

NO_WAIT = RetryPolicy(attempts=2, initial=0, maximum=0, sleep=lambda _: None)

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True), st.text(max_size=12)
)

# -- 1. token responses through fetch ----------------------------------------------------------------------

documented_gateway = {
    "token_type": "Bearer",
    "issued_at": "1587458037687",
    "client_id": "x",
    "access_token": "haf2SDl07E9N7RluNQ4kJ1TkGgso",
    "expires_in": "3599",
    "status": "approved",
}
documented_grip = {"access_token": "eyJ.eyJ.sig", "expires_in": 3600, "token_type": "Bearer"}


def _mutated(body: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The documented body with some fields dropped and some replaced by any JSON value."""
    keys = list(body)
    return st.tuples(
        st.sets(st.sampled_from(keys)), st.dictionaries(st.sampled_from([*keys, "error", "fault"]), scalars)
    ).map(lambda pair: {**{k: v for k, v in body.items() if k not in pair[0]}, **pair[1]})


token_bodies = st.one_of(
    _mutated(documented_gateway).map(lambda d: json.dumps(d).encode()),
    _mutated(documented_grip).map(lambda d: json.dumps(d).encode()),
    st.binary(max_size=64),
    st.just(b"<html><body>502 Bad Gateway</body></html>"),
)
encodings = st.sampled_from(["", "gzip", "deflate", "br", "identity", "x-unknown"])
charsets = st.sampled_from(
    ["application/json", "application/json; charset=utf-16", "text/html; charset=bogus", ""]
)
statuses = st.sampled_from([200, 201, 204, 400, 401, 403, 404, 429, 500, 502, 503])


@settings(max_examples=150, deadline=None)
@given(status=statuses, body=token_bodies, encoding=encodings, content_type=charsets, grip=st.booleans())
def test_token_fetch_raises_only_token_error(
    status: int, body: bytes, encoding: str, content_type: str, grip: bool
) -> None:
    headers = {k: v for k, v in (("content-encoding", encoding), ("content-type", content_type)) if v}

    def answer(request: httpx.Request) -> httpx.Response:
        # A stream, so the body is decoded when the client reads it, as from a real socket.
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))

    profile = DEFAULT_PROFILES["things" if grip else "sandbox"]
    credentials = resolve_credentials(profile, {}, demo_fallback=True)
    provider_class = GripTokenProvider if grip else ApiStoreTokenProvider
    provider = provider_class(profile, credentials, retry=NO_WAIT)
    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        try:
            token = provider.fetch(client)
        except TokenError as error:
            failure: TokenError | None = error
        else:
            failure = None
    if failure is not None:
        assert failure.profile == profile.name
        return
    assert 200 <= status < 300
    assert token.access_token.strip()
    assert token.expires_in > 0


# -- 2. structured specification documents ----------------------------------------------------------------

refs = st.sampled_from(
    [
        "#/components/schemas/A",
        "#/components/schemas/Missing",
        "#/definitions/A",
        "#",
        "#/paths",
        "#/components/schemas/A/properties/next",
        "other.yaml#/A",
        "other.yaml",
        "missing.yaml#/X",
        "http://example.invalid/remote.yaml#/A",
        "#/components/schemas/~2bad",
        "",
    ]
)
names = st.sampled_from(["A", "B", "next", "id", "name", "x-ext", ""])
schemas = st.recursive(
    st.one_of(
        scalars,
        refs.map(lambda r: {"$ref": r}),
        st.fixed_dictionaries(
            {},
            optional={
                "type": st.sampled_from(["string", "integer", "object", "array", "null", "file"])
                | st.lists(st.sampled_from(["string", "null"]), max_size=2)
                | scalars,
                "format": st.sampled_from(["date-time", "uuid", "int32", "weird"]),
                "enum": st.lists(scalars, max_size=3) | scalars,
                "nullable": st.booleans() | scalars,
                "pattern": st.sampled_from(["^[a-z]+$", "[", "(?P<x>a)", "\\p{L}"]),
                "minimum": scalars,
                "x-nullable": st.booleans(),
            },
        ),
    ),
    lambda children: st.fixed_dictionaries(
        {},
        optional={
            "properties": st.dictionaries(names, children, max_size=3) | scalars,
            "items": children,
            "allOf": st.lists(children, max_size=2) | scalars,
            "oneOf": st.lists(children, max_size=2),
            "additionalProperties": children | st.booleans(),
            "required": st.lists(names, max_size=2) | scalars,
            "$ref": refs,
        },
    ),
    max_leaves=10,
)
media = st.sampled_from(["application/json", "application/vnd.kpn+json", "text/plain", "*/*", ""])
responses = st.dictionaries(
    st.sampled_from(["200", "201", "2XX", "400", "default", 200, "abc"]),
    st.fixed_dictionaries(
        {},
        optional={
            "description": st.text(max_size=8),
            "content": st.dictionaries(
                media, st.fixed_dictionaries({}, optional={"schema": schemas}), max_size=2
            )
            | scalars,
            "schema": schemas,
            "headers": st.dictionaries(names, st.fixed_dictionaries({}, optional={"schema": schemas}))
            | scalars,
            "$ref": refs,
        },
    )
    | scalars,
    max_size=3,
)
parameters = st.lists(
    st.fixed_dictionaries(
        {},
        optional={
            "name": names,
            "in": st.sampled_from(["query", "path", "header", "body", "cookie", "nowhere"]),
            "required": st.booleans() | scalars,
            "schema": schemas,
            "type": st.sampled_from(["string", "integer"]),
            "$ref": refs,
        },
    )
    | scalars,
    max_size=2,
)
operations = st.fixed_dictionaries(
    {},
    optional={
        "operationId": st.text(max_size=8) | scalars,
        "responses": responses | scalars,
        "parameters": parameters | scalars,
        "produces": st.lists(media, max_size=2) | scalars,
        "requestBody": st.fixed_dictionaries({}, optional={"content": st.dictionaries(media, schemas)})
        | scalars,
        "security": st.lists(st.dictionaries(names, st.lists(st.text(max_size=4)))) | scalars,
    },
)
paths = st.dictionaries(
    st.sampled_from(["/api/devices", "/a/{id}", "/{level}", "/b/{p}:{q}", "noslash", ""]),
    st.dictionaries(
        st.sampled_from(["get", "post", "delete", "parameters", "servers", "x-ext"]), operations | scalars
    )
    | scalars,
    max_size=3,
)
versions = st.sampled_from(
    [
        ("openapi", "3.0.0"),
        ("openapi", "3.0.3"),
        ("openapi", "3.1.0"),
        ("swagger", "2.0"),
        ("openapi", 3.0),
        ("swagger", 2.0),
    ]
)
documents = st.builds(
    lambda version, body: {version[0]: version[1], **body},
    versions,
    st.fixed_dictionaries(
        {},
        optional={
            "info": st.fixed_dictionaries({}, optional={"title": scalars, "version": scalars}) | scalars,
            "paths": paths | scalars,
            "components": st.fixed_dictionaries(
                {},
                optional={
                    "schemas": st.dictionaries(names, schemas, max_size=3) | scalars,
                    "securitySchemes": st.dictionaries(
                        names,
                        st.fixed_dictionaries(
                            {}, optional={"type": st.sampled_from(["oauth2", "http", "x"])}
                        ),
                    ),
                },
            )
            | scalars,
            "definitions": st.dictionaries(names, schemas, max_size=2) | scalars,
            "servers": st.lists(
                st.fixed_dictionaries(
                    {}, optional={"url": st.sampled_from(["https://api-prd.kpn.com/x", "/rel", "{v}"])}
                )
                | scalars,
                max_size=2,
            )
            | scalars,
            "host": scalars,
            "basePath": st.sampled_from(["/v1", "", "x"]) | scalars,
        },
    ),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=documents, external=schemas, as_json=st.booleans())
def test_load_spec_on_structured_documents_raises_only_spec_error(
    document: dict[Any, Any], external: Any, as_json: bool
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "other.yaml").write_text(yaml.safe_dump({"A": external}), encoding="utf-8")
        path = folder / ("spec.json" if as_json else "spec.yaml")
        text = json.dumps(document, default=str) if as_json else yaml.safe_dump(document)
        path.write_text(text, encoding="utf-8")
        try:
            spec = load_spec(path)
        except SpecError as error:
            failure: SpecError | None = error
        else:
            failure = None
        if failure is not None:
            assert failure.path == str(path)
            return
        assert spec.path == str(path)
        for warning in spec.warnings:
            assert warning.pointer is None or isinstance(warning.pointer, str)


# -- 3. valid cassettes, one field broken ----------------------------------------------------------------

VALID = Cassette(
    path=Path("valid.yaml"),
    interactions=[
        Interaction(
            method="GET",
            uri="https://api.kpnthings.com/api/devices",
            request_headers=(("Accept", "application/json"),),
            request_body=b"",
            status=200,
            reason="OK",
            response_headers=(("Content-Type", "application/json"),),
            response_body=b'{"content": []}',
        )
    ],
    meta={"target": "emulator", "profiles": ["things"], "specs": {}},
)
VALID_DATA: dict[str, Any] = yaml.safe_load(dump_cassette(VALID))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*prefix, index)))
    return found


CASSETTE_PATHS = [p for p in _paths(VALID_DATA) if p]
trees = st.recursive(
    scalars | st.binary(max_size=8),
    lambda c: st.lists(c, max_size=2) | st.dictionaries(st.text(max_size=6), c, max_size=2),
    max_leaves=6,
)


def _mutate(data: Any, where: tuple[Any, ...], replacement: Any, delete: bool) -> Any:
    copy = json.loads(json.dumps(data))
    parent = copy
    for key in where[:-1]:
        parent = parent[key]
    if delete and isinstance(parent, dict):
        del parent[where[-1]]
    else:
        parent[where[-1]] = replacement
    return copy


def test_the_unmutated_cassette_loads(tmp_path: Path) -> None:
    path = tmp_path / "valid.yaml"
    path.write_text(yaml.safe_dump(VALID_DATA), encoding="utf-8")
    assert load_cassette(path).interactions == VALID.interactions


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(CASSETTE_PATHS), replacement=trees, delete=st.booleans())
def test_load_cassette_on_a_mutated_valid_cassette_raises_only_cassette_error(
    tmp_path: Path, where: tuple[Any, ...], replacement: Any, delete: bool
) -> None:
    path = tmp_path / "mutated.yaml"
    path.write_text(yaml.safe_dump(_mutate(VALID_DATA, where, replacement, delete)), encoding="utf-8")
    try:
        cassette = load_cassette(path)
    except CassetteError as error:
        failure: CassetteError | None = error
    else:
        failure = None
    if failure is not None:
        assert failure.path == str(path)
        assert failure.line is None or failure.line >= 1
        return
    assert all(isinstance(item, Interaction) for item in cassette.interactions)
