"""API Store products, mocked from their specs and protected by gateway tokens.

Every spec in the emulator's ``spec_dir`` whose server host is ``api-prd.kpn.com`` is served under
its server base path; an API Store product on its own host only (FIAM Eneco) under its own server's
path, with its own credentials (``_gateway.py``). Each operation answers its documented success: the
documented example when it matches its schema, otherwise an instance generated from the schema
(``_answers.py``). Operations are found with the toolkit's one operation lookup,
:class:`kpn_contract.contract.specs.SpecIndex`.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import quote, urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kpn_contract.contract.model import Operation, Spec, Violation
from kpn_contract.contract.specs import SpecIndex
from kpn_contract.emulator._answers import Answer, prepared_answer, produced
from kpn_contract.emulator._gateway import (
    GATEWAY_HOST,
    api_key_refused,
    behind_gateway,
    gateway_refusal,
    on_own_server,
)
from kpn_contract.emulator._request_errors import (
    ErrorContext,
    method_not_allowed,
    product_error,
    rejection,
)
from kpn_contract.emulator._served import served_index, slug

if TYPE_CHECKING:
    from kpn_contract.contract.validate import Validator

__all__ = ["GATEWAY_HOST", "ProductCatalog", "product_call", "served_index"]


QUOTA_LIMIT: Final = 10_000


class ProductCatalog:
    """The gateway-protected products of one spec folder, with their prepared answers."""

    def __init__(
        self, spec_dir: Path | None, *, remember_deletions: bool = False, extra_specs: Sequence[Path] = ()
    ) -> None:
        self._index = served_index(spec_dir, extra_specs)
        specs = self._index.specs if self._index is not None else []
        self._specs = {spec.path: spec for spec in specs if behind_gateway(spec) or on_own_server(spec)}
        # served at their own server's path, with their own credentials (see _gateway.py)
        self.own_server = frozenset(path for path, spec in self._specs.items() if not behind_gateway(spec))
        self._answers: dict[tuple[str, str], Answer] = {}
        self._lock = threading.Lock()
        self._quota: Counter[str] = Counter()
        self._validator: Validator | None = None
        # (spec, path) of a successful DELETE: 404 afterwards (bounded; per product, as bases are shared)
        self.remember_deletions = remember_deletions
        self._deleted: OrderedDict[tuple[str, str], None] = OrderedDict()

    @property
    def index(self) -> SpecIndex | None:
        """The index of every spec in the folder (the KPN Things scopes are read from it too)."""
        return self._index

    def spec(self, spec_path: str) -> Spec | None:
        """The served spec loaded from ``spec_path``."""
        return self._specs.get(spec_path)

    def own_server_path(self, method: str, path: str) -> bool:
        """Whether ``method path`` is an operation of a product on its own server (see _gateway.py)."""
        found = self.match(method, path)
        return found is not None and found[0].spec_path in self.own_server

    @property
    def names(self) -> list[str]:
        """Short names of the served products, for the token's ``api_product_list``."""
        return sorted(slug(spec) for spec in self._specs.values() if spec.path not in self.own_server)

    def match(self, method: str, path: str) -> tuple[Operation, Spec, str] | None:
        """The product operation at ``path``, its spec, and the served path template (base path included)."""
        found = self._lookup(method, path)
        if found is None:
            return None
        operation, params = found
        empty = "" in params.values()  # an empty path parameter kept its segment's place (SpecIndex)
        if empty and self._declared_as_written(path):
            return None  # PUT /endpoint/ is not PUT /endpoint/{id} with id "" when GET /endpoint/ exists
        # OpenAPI: concrete paths match before templated ones, whatever the method. PUT on
        # /externalscripts/test is not PUT /externalscripts/{id} when /externalscripts/test exists.
        best = self._template_at(path) or operation.path
        exact = best.endswith("/") == path.endswith("/")  # /endpoint and /endpoint/ are two paths
        if not empty and operation.path != best and (exact or operation.path.rstrip("/") != best.rstrip("/")):
            return None
        spec = self._specs.get(operation.spec_path)
        if spec is None:
            return None
        if empty:  # segments as written, the empty one in its place
            segments, depth = path.split("/")[1:], len(operation.path.split("/")[1:])
        else:
            segments = [s for s in path.split("/") if s]
            depth = len([s for s in operation.path.split("/") if s])
        base = "/".join(segments[: len(segments) - depth])
        return operation, spec, f"/{base}{operation.path}" if base else operation.path

    def names_nothing(self, method: str, path: str) -> bool:
        """Whether ``path`` gives a path parameter of its operation an empty value: it names no resource."""
        found = self._lookup(method, path)
        return found is not None and "" in found[1].values()

    def _lookup(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        if self._index is None:
            return None
        return self._index.match(method, f"https://{GATEWAY_HOST}{quote(path, safe='/')}")  # tab kept

    def _template_at(self, path: str) -> str | None:
        """The most concrete path template any method declares at ``path`` (fewest parameters)."""
        templates = {
            found[0].path for method in _METHODS if (found := self._lookup(method, path)) is not None
        }
        same_slash = {t for t in templates if t.endswith("/") == path.endswith("/")}
        return min(same_slash or templates, key=lambda t: (t.count("{"), -len(t)), default=None)

    def _declared_as_written(self, path: str) -> bool:
        """Whether an operation declares ``path`` as written, its trailing slash included, without "//"."""
        if "//" in path.rstrip("/"):
            return False
        found = (self._lookup(method, path) for method in _METHODS)
        return any(
            f is not None and "" not in f[1].values() and f[0].path.endswith("/") == path.endswith("/")
            for f in found
        )

    @property
    def validator(self) -> Validator:
        """The toolkit's validator over the served specs (built on first use, compiled schemas kept)."""
        if self._validator is None:
            from kpn_contract.contract.validate import Validator

            index = self._index if self._index is not None else SpecIndex([])
            with self._lock:
                if self._validator is None:
                    self._validator = Validator(index)
        return self._validator

    def allowed_methods(self, path: str) -> list[str]:
        """The methods the served products declare at ``path`` (none: the path is unknown)."""
        return [method for method in _METHODS if self.match(method, path) is not None]

    def forget(self, product: str, path: str) -> None:
        """Remember that ``product``'s resource at ``path`` was deleted (when deletions are remembered)."""
        if not self.remember_deletions:
            return
        with self._lock:
            self._deleted[(product, path.rstrip("/"))] = None
            while len(self._deleted) > _DELETED_LIMIT:
                self._deleted.popitem(last=False)

    def revive(self, product: str, path: str) -> None:
        """A successful POST or PUT at ``path`` (re)creates what of ``product`` lies there or below it.

        The emulator's answers are prepared once, so a created resource has the same ID each time:
        after a DELETE, creating it again makes it readable again.
        """
        if not self.remember_deletions:
            return
        prefix = path.rstrip("/")
        with self._lock:
            below = [(p, d) for p, d in self._deleted if p == product and f"{d}/".startswith(f"{prefix}/")]
            for key in below:
                del self._deleted[key]

    def is_deleted(self, product: str, path: str, *, exactly: bool = False) -> bool:
        """Whether ``path`` is a deleted resource of ``product`` or lies below one (``exactly``: is one)."""
        segments = path.rstrip("/").split("/")
        first = len(segments) if exactly else 2
        candidates = ["/".join(segments[:end]) for end in range(first, len(segments) + 1)]
        with self._lock:
            return any((product, candidate) in self._deleted for candidate in candidates)

    def answer(self, operation: Operation) -> Answer:
        """The prepared success answer of ``operation`` (built once, then reused)."""
        key = (operation.spec_path, operation.key)
        with self._lock:
            cached = self._answers.get(key)
        if cached is None:
            cached = prepared_answer(operation)
            spec = self._specs.get(operation.spec_path)
            if cached.media_type is None and spec is not None and spec.format == "swagger-2.0":
                # Swagger 2.0's ``produces`` covers every response of the operation, bodiless ones too.
                cached = Answer(cached.status, produced(operation), cached.body, cached.headers)
            with self._lock:
                self._answers[key] = cached
        return cached

    def quota_headers(self, client_id: str, spec: Spec) -> dict[str, str]:
        """The API Store's quota, sunset and version headers for one call of ``client_id``."""
        with self._lock:
            self._quota[client_id] += 1
            used = self._quota[client_id]
        reset = (int(time.time()) // 60 + 1) * 60 * 1000
        return {
            "quota-limit": str(QUOTA_LIMIT),
            "quota-used": str(used),
            "quota-interval": "1",
            "quota-time-unit": "minute",
            "quota-reset-UTC": str(reset),
            "sunset": "n/a",
            "api-version": spec.version or "1",
        }

    def reset(self) -> None:
        with self._lock:
            self._quota.clear()
            self._deleted.clear()


_DELETED_LIMIT: Final = 4096
_METHODS: Final = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _as_httpx_request(request: Request, body: bytes, host: str) -> httpx.Request:
    """The request as the client sent it to the product's host, for the toolkit's request validator."""
    raw_path: bytes = request.scope.get("raw_path") or request.url.path.encode()
    query: bytes = request.scope.get("query_string") or b""
    url = httpx.URL(scheme="https", host=host, raw_path=raw_path + (b"?" + query if query else b""))
    return httpx.Request(request.method, url, headers=request.headers.raw, content=body)


def request_violations(
    catalog: ProductCatalog, request: Request, operation: Operation, body: bytes
) -> list[Violation]:
    """How the request breaks ``operation``'s contract, judged by the toolkit's one request validator.

    ``request.security`` is left out behind the gateway: the gateway has already accepted the bearer
    token (a product behind it never sees a request without one). A product on its own server is
    judged on the credentials its definition declares (Eneco's API key), so that rule counts there.
    """
    own = operation.spec_path in catalog.own_server
    spec = catalog.spec(operation.spec_path)
    host = urlsplit(spec.servers[0]).hostname if own and spec is not None else None
    violations = catalog.validator.check_request(_as_httpx_request(request, body, host or GATEWAY_HOST))
    return [
        v
        for v in violations
        if (own or v.rule_id != "request.security")
        and v.operation_id == operation.operation_id
        and v.spec_path == operation.spec_path
    ]


def repeated_delete_without_404(method: str, operation: Operation) -> bool:
    """A DELETE of what is already deleted, where the operation declares no 404: answered as the first.

    DELETE is idempotent (RFC 9110 §9.2.2). Where a 404 is declared, the deleted resource answers it;
    where none is (Vonage Voice's DELETE /applications/{uuid}: 204, 400, 401), the closest declared
    status, 400, would call a valid request invalid, so the DELETE succeeds again instead.
    """
    return method == "DELETE" and not {"404", "4XX", "default"} & set(operation.responses)


async def product_call(request: Request) -> Response:
    """Any path that is not one of the fixed routes: a product operation, or a 404 (405 for a known path).

    In the gateway's order: the bearer token (401 faults), then the product itself: its request
    contract (400 in its documented shape), then its resources (404 once deleted). A product on its own
    server has no gateway in front: its own credentials are part of its request contract (401).
    """
    catalog: ProductCatalog = request.app.state.products
    path: str = request.scope["path"]  # request.url.path has lost a tab or newline to urlsplit
    found = catalog.match(request.method, path)
    allowed = catalog.allowed_methods(path) if found is None else []
    if found is None and not allowed:
        return JSONResponse(
            {"fault": {"faultstring": "Unable to identify proxy for host and url",
                       "detail": {"errorcode": "messaging.adaptors.http.flow.ApplicationNotFound"}}},
            404,
        )  # fmt: skip
    own = catalog.own_server_path(request.method if found else allowed[0], path)
    row, fault = (None, None) if own else gateway_refusal(request, found)
    if fault is not None:
        return fault
    if found is None:
        return method_not_allowed(allowed)
    operation, spec, template = found
    base = template[: len(template) - len(operation.path)]
    context = ErrorContext(request.method, path[len(base) :].lstrip("/"), operation.path.lstrip("/"))
    # the call passed the gateway: it counts (a product on its own server has no gateway quota)
    quota = catalog.quota_headers(row.key_id, spec) if row is not None else {}
    violations = request_violations(catalog, request, operation, await request.body())
    error: Response | None = None
    if any(v.rule_id == "request.security" for v in violations) or (
        own and api_key_refused(operation, spec, request)
    ):
        error = product_error(operation, 401, "missing or unknown credentials", context, "unauthorized")
    elif violations:
        error = rejection(operation, violations, context)
    elif catalog.names_nothing(request.method, path):  # an empty ID ("/keys//activate") is no resource
        error = product_error(
            operation, 404, "an empty path parameter names no resource", context, "not_found"
        )
    elif (
        catalog.is_deleted(operation.spec_path, path)
        and not (
            request.method in ("POST", "PUT") and catalog.is_deleted(operation.spec_path, path, exactly=True)
        )
        and not repeated_delete_without_404(request.method, operation)
    ):
        # (a POST or PUT at a deleted path itself creates it again)
        error = product_error(operation, 404, "the resource was deleted", context, "not_found")
    if error is not None:
        error.headers.update(quota)
        return error
    prepared = catalog.answer(operation)
    if request.method == "DELETE" and 200 <= prepared.status < 300:
        catalog.forget(operation.spec_path, path)
    elif request.method in ("POST", "PUT") and 200 <= prepared.status < 300:
        catalog.revive(operation.spec_path, path)
    return Response(prepared.body, prepared.status, {**prepared.headers, **quota}, prepared.media_type)
