"""Reading the security of one document: its schemes and the requirements of the spec or an operation.

A base of :class:`~kpn_contract.contract._operations.SpecReader`, apart because schemes and
requirements are read the same way whatever the operation looks like.
"""

from __future__ import annotations

from typing import Any

from kpn_contract.contract._document import join_pointer
from kpn_contract.contract._schema import SchemaLoader
from kpn_contract.contract.model import SecurityRequirement, SecurityScheme

__all__ = ["SecurityReader"]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class SecurityReader(SchemaLoader):
    def security_requirements(self, raw: Any, pointer: str) -> tuple[SecurityRequirement, ...]:
        """The alternatives of a ``security`` list, each scheme with its scopes.

        Scopes are read for every scheme type: OpenAPI 3.1 allows them (as role names) on any scheme,
        and KPN Things puts them on an http bearer scheme. A malformed part is warned about.
        """
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.warn(pointer, "'security' is not a list; read as no security requirement")
            return ()
        result: list[SecurityRequirement] = []
        for i, requirement in enumerate(raw):
            at = join_pointer(pointer, i)
            if not isinstance(requirement, dict):
                self.warn(at, "security requirement is not an object; ignored")
                continue
            alternative: SecurityRequirement = {}
            for scheme, scopes in requirement.items():
                if isinstance(scopes, list) and all(isinstance(s, str) for s in scopes):
                    alternative[str(scheme)] = tuple(scopes)
                else:
                    self.warn(join_pointer(at, scheme), "scopes are not a list of strings; read as none")
                    alternative[str(scheme)] = ()
            result.append(alternative)
        return tuple(result)

    def security_schemes(self) -> dict[str, SecurityScheme]:
        if self.format == "swagger-2.0":
            raw, pointer = self.root.get("securityDefinitions"), "/securityDefinitions"
        else:
            components = self.root.get("components")
            raw = components.get("securitySchemes") if isinstance(components, dict) else None
            pointer = "/components/securitySchemes"
        result: dict[str, SecurityScheme] = {}
        if not isinstance(raw, dict):
            return result
        for name, value in raw.items():
            at = join_pointer(pointer, name)
            node, _, _ = self.deref(value, self.path, at)
            if not isinstance(node, dict):
                self.warn(at, "security scheme is not an object; ignored")
                continue
            kind = str(node.get("type", ""))
            token_url: str | None = None
            flows: list[str] = []
            if kind == "oauth2" and self.format == "swagger-2.0":
                flows.append(str(node.get("flow", "")))
                token_url = node.get("tokenUrl")
                if "scopes" not in node:
                    self.warn(at, "oauth2 scheme has no 'scopes' (required by Swagger 2.0; read as none)")
            elif kind == "oauth2":
                raw_flows = node.get("flows")
                for flow_name, flow in (raw_flows if isinstance(raw_flows, dict) else {}).items():
                    flows.append(str(flow_name))
                    if not isinstance(flow, dict):
                        continue
                    if token_url is None and isinstance(flow.get("tokenUrl"), str):
                        token_url = flow["tokenUrl"]
                    if "scopes" not in flow:
                        self.warn(
                            join_pointer(at, "flows", flow_name),
                            f"oauth2 flow {flow_name!r} has no 'scopes' (required by OpenAPI; read as none)",
                        )
            scheme, where, key_name = (_text(node.get(key)) for key in ("scheme", "in", "name"))
            result[str(name)] = SecurityScheme(
                str(name),
                kind,
                token_url,
                tuple(flows),
                # Swagger 2.0's ``type: basic`` is OpenAPI 3's http scheme "basic".
                http_scheme=scheme.lower() if scheme else ("basic" if kind == "basic" else None),
                api_key_in=where if kind == "apiKey" else None,
                api_key_name=key_name if kind == "apiKey" else None,
            )
        return result
