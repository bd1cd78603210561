"""Derive the API Store products' contracts in specs/ from KPN's published definitions (all 34).

Run from the repository root: ``python specs/_tools/derive_published.py ../shared/kpn-specs``.

The structure, parameters, schemas, examples and ``info.version`` of each published definition are
kept as they are. All published prose (descriptions, summaries, titles of schemas) is removed and
replaced by this project's own short text below, so that the contracts say what kpn_contract relies
on and nothing more. Repairs of published mistakes are listed in each file's ``info.description``;
nothing is fixed silently. The four seed products below carry hand-written summaries and their
historical repairs; every other published file is derived with generated summaries ("GET /path.")
and only the structural repairs the YAML needs (scopes, integer response codes, enums written as
described oneOf branches): its other published defects are left as published, for the toolkit's
contract/leniency.py to read and name, as it reads the published file itself.
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path
from typing import Any

import yaml

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
PROSE = {"description", "summary", "title", "termsOfService", "contact"}

STATUS_TEXT = {
    "200": "Success.",
    "201": "Created.",
    "204": "Success, no body.",
    "302": "Redirect (see the response-code rules for what it means here).",
    "400": "The request is invalid.",
    "401": "The bearer token is missing, invalid or expired.",
    "403": "The token is valid but this product or resource is not allowed.",
    "404": "Not found.",
    "429": "Quota exceeded.",
    "500": "Server error.",
    "503": "Service unavailable.",
    "default": "Any other response.",
}

PRODUCTS: dict[str, dict[str, Any]] = {
    "parley-secure-messenger": {
        "out": "parley-secure-messenger.yaml",
        "family": "api-store",
        "about": (
            "Contract for Chat and messaging (Parley Secure Messenger), an API Store product: send and read\n"
            "messages of a chat, signal typing, register devices and read the chat configuration.\n"
            "Bodies use Parley's own envelope\n"
            "{data, notifications: [{type, message}], status: SUCCESS|ERROR}.\n"
            "Authentication: API Store client-credentials token (kpn-api-store-gateway-token.yaml)."
        ),
        "summaries": {
            "GET /messages/{id}": "Read one message.",
            "GET /messages": "Read the latest messages of the chat.",
            "POST /messages": "Send a message to the chat.",
            "GET /messages/{paging}:{id}": "Read messages before or after a given message (paging:id form).",
            "POST /services/event/startTyping": "Signal that the user started typing.",
            "POST /services/event/stopTyping": "Signal that the user stopped typing.",
            "POST /devices": "Register or update the device of the chat user.",
            "GET /config": "Read the chat configuration.",
        },
    },
    "weseedo-personal": {
        "out": "weseedo-personal.yaml",
        "family": "api-store",
        "about": (
            "Contract for WeSeeDo Personal, an API Store product for video meetings: plan, read and cancel\n"
            "meetings, send invitations by SMS, and manage packages, users and sites.\n"
            "Authentication: API Store client-credentials token (kpn-api-store-gateway-token.yaml)."
        ),
        "summaries": {
            "GET /personal/meetings": "List meetings.",
            "POST /personal/meetings": "Plan a meeting.",
            "GET /personal/meetings/{id}": "Read one meeting.",
            "DELETE /personal/meetings/{id}": "Cancel a meeting.",
            "POST /personal/sms": "Send a meeting invitation by SMS.",
            "GET /management/packages": "List the packages of the account.",
            "GET /management/packages/{id}": "Read one package.",
            "GET /management/users": "List users.",
            "POST /management/users": "Create a user.",
            "GET /management/users/{id}": "Read one user.",
            "PUT /management/users/{id}": "Replace a user.",
            "DELETE /management/users/{id}": "Delete a user.",
            "PATCH /management/users/{id}": "Change some fields of a user.",
            "GET /management/sites": "List sites.",
            "POST /management/sites": "Create a site.",
        },
    },
    "vonage-number-insight": {
        "out": "vonage-number-insight.yaml",
        "family": "api-store",
        "about": (
            "Contract for Number Insight (Vonage) through the KPN API Store: validity, reachability,\n"
            "roaming and formatting of a phone number, at the basic, standard or advanced level\n"
            "(advanced also asynchronously, with a callback).\n"
            "Authentication: API Store client-credentials token.\n\n"
            "Kept as Swagger 2.0, as published, so that the toolkit's own contracts exercise the Swagger\n"
            "reader and the structure stays directly comparable with the published definition.\n"
            "Repair: the published `produces: [application]` is not a media type; application/json\n"
            "is written (what the product returns)."
        ),
        "fix_media": {"application": "application/json"},
        "summaries": {
            "POST /{level}": "Look up a number at the basic, standard or advanced level.",
            "POST /advanced/async": "Start an advanced lookup whose result is posted to a callback.",
        },
    },
    "kpn-number-verify": {
        "out": "kpn-number-verify.yaml",
        "family": "api-store",
        "about": (
            "Contract for KPN Number Verify: get a product token, ask for insights on a number, follow the\n"
            "session redirect, then poll for the verification result.\n\n"
            "GET /session/{session_id} answers 302 Found with a Location header: here a 302 is the\n"
            "documented success, not an authentication failure (see the override in rules.yaml)."
        ),
        "summaries": {
            "POST /token": "Get a Number Verify access token.",
            "POST /insights/{msisdn}": "Ask for insights on a number; the answer carries the session id.",
            "GET /session/{session_id}": "Start the verification session; 302 with Location is the success.",
            "GET /polling/{polling_id}": "Poll for the verification result.",
        },
        "overlapping_oneofs": [
            ["paths", "/insights/{msisdn}", "post", "responses", "200", "content", "application/json", "schema"]
        ],
    },
}


# Every other published definition: ``<slug>-openapi.yml`` → ``specs/<slug>.yaml``.
GENERIC_ABOUT = (
    "Contract for {title}, an API Store product, derived from KPN's published definition with its\n"
    "prose removed (summaries are generated from the method and path). Published defects other than\n"
    "the repairs listed below are kept as published; kpn-contract specs FILE names each one with what\n"
    "the toolkit does instead (contract/leniency.py).\n"
    "Authentication: API Store client-credentials token (kpn-api-store-gateway-token.yaml)."
)


def all_products(source_dir: Path) -> dict[str, dict[str, Any]]:
    """The seed products as configured above, then every other published file with generated prose."""
    products = dict(PRODUCTS)
    for source in sorted(source_dir.glob("*-openapi.yml")):
        slug = source.name.removesuffix("-openapi.yml")
        products.setdefault(slug, {"out": f"{slug}.yaml", "family": "api-store", "about": GENERIC_ABOUT})
    return products


def strip_prose(node: Any, fixes: dict[str, str], notes: list[str], in_schema_props: bool = False) -> Any:
    """Remove published prose; keep structure, schemas and example values."""
    if isinstance(node, dict):
        result: dict[Any, Any] = {}
        for key, value in node.items():
            if key in PROSE and not in_schema_props and not isinstance(value, dict):
                continue
            if key in {"example", "examples", "x-example"}:
                result[key] = value
                continue
            if key == "responses" and isinstance(value, dict):
                codes = {}
                for code, response in value.items():
                    if isinstance(code, int):
                        notes.append(str(code))
                    codes[str(code)] = strip_prose(response, fixes, notes)
                result[key] = codes
                continue
            if key in {"produces", "consumes"} and isinstance(value, list):
                result[key] = [fixes.get(v, v) for v in value]
                continue
            result[key] = strip_prose(value, fixes, notes, in_schema_props=key == "properties")
        return result
    if isinstance(node, list):
        return [strip_prose(v, fixes, notes) for v in node]
    return node


def add_missing_scopes(doc: dict[str, Any], notes: list[str]) -> None:
    """Swagger 2.0 and OpenAPI require oauth2 ``scopes``; KPN declares none, so an empty map is exact."""
    schemes = doc.get("securityDefinitions") or doc.get("components", {}).get("securitySchemes") or {}
    for name, scheme in schemes.items():
        if scheme.get("type") != "oauth2":
            continue
        flows = scheme.get("flows", {"": scheme})
        for flow in flows.values():
            if "scopes" not in flow:
                flow["scopes"] = {}
                notes.append(f"oauth2 scheme {name} was published without 'scopes'; an empty map is written")


_QUOTED_VALUE = re.compile(r'"([^"]+)"\s*$')


def repair_enum_oneofs(raw: Any, notes: list[str]) -> Any:
    """Turn ``oneOf: [{type: string, description: 'Role "agent"'}, ...]`` into an enum.

    The publisher meant an enum and wrote one identical string branch per value, each named only in
    its description; as written, every string matches all branches and so fails ``oneOf``. Runs on
    the published document, before its prose (which holds the values) is removed.
    """
    if isinstance(raw, dict):
        branches = raw.get("oneOf")
        if isinstance(branches, list) and len(branches) > 1 and all(
            isinstance(b, dict) and set(b) == {"type", "description"} and b["type"] == "string"
            and _QUOTED_VALUE.search(str(b["description"]))
            for b in branches
        ):
            values = [_QUOTED_VALUE.search(str(b["description"])).group(1) for b in branches]  # type: ignore[union-attr]
            notes.append(", ".join(values))
            rest = {k: v for k, v in raw.items() if k != "oneOf"}
            return {**{k: repair_enum_oneofs(v, notes) for k, v in rest.items()}, "type": "string", "enum": values}
        if isinstance(branches, list) and len(branches) > 1:
            _pin_entity_types(branches, notes)
        return {k: repair_enum_oneofs(v, notes) for k, v in raw.items()}
    if isinstance(raw, list):
        return [repair_enum_oneofs(v, notes) for v in raw]
    return raw


_ENTITY_TYPE = re.compile(r"^Entity type (\w+)$")


def _pin_entity_types(branches: list[Any], notes: list[str]) -> None:
    """Object branches told apart only by ``type`` described as "Entity type dealer": pin the value."""
    described: list[tuple[dict[str, Any], str]] = []
    for branch in branches:
        prop = branch.get("properties", {}).get("type") if isinstance(branch, dict) else None
        if not isinstance(prop, dict):
            return
        match = _ENTITY_TYPE.match(str(prop.get("description", "")))
        if match is None:
            return
        described.append((prop, match.group(1)))
    for prop, value in described:
        prop["enum"] = [value]
    notes.append("entity.type: " + ", ".join(value for _, value in described))


def relax_overlapping_oneofs(doc: dict[str, Any], pointers: list[list[str]], notes: list[str]) -> None:
    """``oneOf`` → ``anyOf`` where the published branches overlap, so a valid answer matches both."""
    for pointer in pointers:
        node: Any = doc
        for part in pointer:
            node = node[part]
        node["anyOf"] = node.pop("oneOf")
        notes.append("/".join(pointer))


def declare_gateway_answers(doc: dict[str, Any], notes: list[str]) -> None:
    """Declare the answers every API Store product gives and a published operation leaves out.

    The gateway answers a missing or invalid token with 401 whatever a product declares, and an
    operation declaring no 4xx at all still refuses an invalid request (the emulator: 400). The
    published file is read as it is (contract/leniency.py: ``undeclared-error-status``,
    ``undeclared-401``); the derived contract says what the product answers, so that stock tools
    (``schemathesis run``) hold the emulator to it.
    """
    no_error = no_401 = 0
    for item in doc.get("paths", {}).values():
        for method, op in item.items() if isinstance(item, dict) else ():
            if method not in HTTP_METHODS or not isinstance(op, dict):
                continue
            responses = op.setdefault("responses", {})
            codes = {str(code) for code in responses}
            if not any(c.startswith("4") or c == "default" for c in codes):
                responses["400"] = {"description": STATUS_TEXT["400"]}
                no_error += 1
            if not {"401", "4XX", "default"} & codes:
                responses["401"] = {"description": STATUS_TEXT["401"]}
                no_401 += 1
    if no_error:
        notes.append(f"{no_error} operations were published without any 4xx answer: 400 is declared")
    if no_401:
        notes.append(f"{no_401} operations were published without the gateway's 401: 401 is declared")


# Products whose backend documents 404 for a resource that does not exist while KPN's published file
# declares no 404 at all, and where it says so (a per-product fact, not a guess applied to every
# product: issue 20, SD-LAN). That KPN's gateway passes the backend's 404 through is inferred [?]:
# the other products behind it publish their backends' own 4xx; the gateway's own 404 is for an
# unknown proxy path.
NOT_FOUND_DOCUMENTED: dict[str, str] = {
    "kpn-sd-lan-sd-wan-network-view": (
        "the API behind /kpn/meraki is Cisco Meraki's Dashboard API, by its operation IDs; Meraki's "
        "error page, developer.cisco.com/meraki/api-v1/errors, documents 404 Not Found for a resource "
        "that does not exist"
    ),
}


def declare_unknown_resources(doc: dict[str, Any], source: str, notes: list[str]) -> None:
    """Declare 404 on every operation whose path names a resource (a path parameter) and declares none.

    Decided for issue 20 (SD-LAN's stock ST202): once a resource is deleted, the emulator answers a
    later call that names it with 404, or with the closest status the operation declares. With only
    200/400/401 declared that was 400, a schema-valid request "rejected", which schemathesis's
    ``positive_data_acceptance`` refuses; answering an undeclared 404 would break
    ``status_code_conformance`` (the emulator departing from its spec), and a 2xx would break
    ``use_after_free``. The root is the contract: the product answers 404 there, so it says so.
    Only for the products in ``NOT_FOUND_DOCUMENTED`` (``source``: where the 404 is documented); the
    published file is still read as published (``undeclared-error-status``: the closest status).
    """
    named = 0
    for path, item in doc.get("paths", {}).items():
        if "{" not in path or not isinstance(item, dict):
            continue
        for method, op in item.items():
            if method not in HTTP_METHODS or not isinstance(op, dict):
                continue
            responses = op.setdefault("responses", {})
            if not {"404", "4XX", "default"} & {str(code) for code in responses}:
                responses["404"] = {"description": STATUS_TEXT["404"]}
                named += 1
    if named:
        notes.append(
            f"{named} operations whose path names a resource were published without 404 ({source}): "
            "404 is declared, the emulator's answer for a deleted resource"
        )


MEDIA_FIXES = {"application": "application/json", "json": "application/json"}


def repair_media_types(doc: dict[str, Any], notes: list[str]) -> None:
    """``produces: [application]`` is not a media type: write application/json (what the products send)."""
    lists = [("", doc)] + [
        (f"{method.upper()} {path} ", op)
        for path, item in doc.get("paths", {}).items()
        for method, op in item.items()
        if method in HTTP_METHODS and isinstance(op, dict)
    ]
    for where, node in lists:
        for key in ("produces", "consumes"):
            values = node.get(key)
            if isinstance(values, list) and any(v in MEDIA_FIXES for v in values):
                node[key] = [MEDIA_FIXES.get(v, v) for v in values]
                notes.append(f"{where}{key}")


IGNORED_HEADERS = {"accept", "content-type", "authorization"}


def _drop_parameters(doc: dict[str, Any], dropped: Any) -> list[str]:
    """Leave out the parameters ``dropped(path, parameter)`` names; where they were ("GET /path")."""
    shared = {
        **{f"#/parameters/{k}": v for k, v in doc.get("parameters", {}).items()},
        **{f"#/components/parameters/{k}": v for k, v in doc.get("components", {}).get("parameters", {}).items()},
    }
    found: list[str] = []
    for path, item in doc.get("paths", {}).items():
        for key, node in item.items() if isinstance(item, dict) else ():
            if not isinstance(node, dict) or not isinstance(node.get("parameters"), list):
                continue
            resolved = [shared.get(str(p.get("$ref")), p) if isinstance(p, dict) else p for p in node["parameters"]]
            kept = [p for p, r in zip(node["parameters"], resolved) if not (isinstance(r, dict) and dropped(path, r))]
            if len(kept) < len(node["parameters"]):
                found.append(path if key == "parameters" else f"{key.upper()} {path}")
                node["parameters"] = kept
    return found


def drop_ignored_headers(doc: dict[str, Any], notes: list[str]) -> None:
    """OpenAPI 3: a header parameter named Accept, Content-Type or Authorization SHALL be ignored; leave it out.

    The published file keeps it (contract/leniency.py: ``ignored-header-parameter``); stock tools that
    take it for a required header then expect a request without it to be refused.
    """
    if "openapi" in doc:
        notes += _drop_parameters(
            doc, lambda _, p: p.get("in") == "header" and str(p.get("name", "")).lower() in IGNORED_HEADERS
        )


def drop_path_parameters_not_in_template(doc: dict[str, Any], notes: list[str]) -> None:
    """A path parameter its path template does not contain can never be sent; leave it out.

    The published file keeps it (contract/leniency.py: ``path-parameter-not-in-template``, read the
    same way); stock tools otherwise expect a request lacking its (unsendable) value to be refused.
    """
    notes += _drop_parameters(
        doc, lambda path, p: p.get("in") == "path" and "{" + str(p.get("name")) + "}" not in path
    )


def drop_bodies_of_204(doc: dict[str, Any], notes: list[str]) -> None:
    """HTTP forbids a body on 204 No Content (RFC 9110 §15.3.5): a 204 published with one declares none.

    The published file keeps it (contract/leniency.py: ``body-on-204``; the emulator sends no body);
    stock tools otherwise expect the declared media type on an answer that cannot carry one.
    """
    shared = {f"#/components/responses/{k}": v for k, v in doc.get("components", {}).get("responses", {}).items()}
    shared |= {f"#/responses/{k}": v for k, v in doc.get("responses", {}).items()}
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items() if isinstance(item, dict) else ():
            if method not in HTTP_METHODS or not isinstance(op, dict):
                continue
            answer = op.get("responses", {}).get("204")
            resolved = shared.get(str(answer.get("$ref")), answer) if isinstance(answer, dict) else None
            if isinstance(resolved, dict) and ("content" in resolved or "schema" in resolved):
                op["responses"]["204"] = {"description": STATUS_TEXT["204"]}
                notes.append(f"{method.upper()} {path}")


def declare_dangling_schemas(doc: dict[str, Any], notes: list[str]) -> None:
    """A ``$ref`` to a schema the file never declares (KPN Match): declare it as any value.

    The loader reads the dangling ``$ref`` as any value, with its warning, and fuzz hands schemathesis
    the same reading (contract/_dangling.py); stock tools skip what they cannot resolve instead (one
    request per operation for KPN Match). The derived file declares each missing schema as ``{}``.
    """
    schemas = doc.get("components", {}).get("schemas", {}) if doc.get("openapi") else doc.get("definitions", {})
    prefix = "#/components/schemas/" if doc.get("openapi") else "#/definitions/"
    stack: list[Any] = [doc.get("paths", {}), schemas]
    missing: set[str] = set()
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(prefix) and "/" not in ref[len(prefix) :]:
                if ref[len(prefix) :] not in schemas:
                    missing.add(ref[len(prefix) :])
            stack.extend(v for k, v in node.items() if k not in ("example", "examples", "enum", "default"))
        elif isinstance(node, list):
            stack.extend(node)
    for name in sorted(missing):
        schemas[name] = {}
        notes.append(f"{prefix[1:]}{name}")
    if missing and doc.get("openapi"):
        doc.setdefault("components", {})["schemas"] = schemas
    elif missing:
        doc["definitions"] = schemas


def read_parameter_refs_as_schemas(doc: dict[str, Any], notes: list[str]) -> None:
    """A parameter whose ``schema`` ``$ref``s a Parameter Object: write that parameter's own schema.

    The published file keeps it (contract/leniency.py: ``schema-is-a-parameter``, read the same way);
    as written, the Parameter Object is taken for a schema (its ``required: true`` is no JSON Schema).
    """
    shared = doc.get("components", {}).get("parameters", {})
    for path, item in doc.get("paths", {}).items():
        for key, node in item.items() if isinstance(item, dict) else ():
            for parameter in node.get("parameters", []) if isinstance(node, dict) else ():
                ref = parameter.get("schema", {}).get("$ref", "") if isinstance(parameter, dict) else ""
                if isinstance(ref, str) and ref.startswith("#/components/parameters/"):
                    target = shared.get(ref.rsplit("/", 1)[1], {})
                    if isinstance(target, dict) and isinstance(target.get("schema"), dict):
                        parameter["schema"] = copy.deepcopy(target["schema"])
                        notes.append(f"{key.upper()} {path} {parameter.get('name')}")


JSON_TYPES: dict[str, Any] = {
    "string": str, "integer": int, "number": (int, float), "boolean": bool, "object": dict, "array": list,
}


def _of_type(value: Any, kind: str) -> bool:
    if isinstance(value, bool) and kind in ("integer", "number"):
        return False
    return isinstance(value, JSON_TYPES[kind])


def drop_unsatisfiable_types(node: Any, notes: list[str], at: str = "") -> None:
    """An ``enum`` none of whose values has the declared ``type`` (``type: object``, ``enum: [nl, be]``):
    no value is valid, so the ``type`` is dropped and the enum kept.

    The published file keeps it (contract/leniency.py: ``unsatisfiable-type``, read the same way).
    """
    if isinstance(node, dict):
        kind, values = node.get("type"), node.get("enum")
        if isinstance(kind, str) and kind in JSON_TYPES and isinstance(values, list) and values:
            if not any(_of_type(v, kind) for v in values):
                del node["type"]
                notes.append(at or "/")
        for key, value in node.items():
            if key not in ("enum", "example", "examples", "default"):
                drop_unsatisfiable_types(value, notes, f"{at}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            drop_unsatisfiable_types(value, notes, f"{at}/{index}")


def close_forms(doc: dict[str, Any], notes: list[str]) -> None:
    """Mark each Swagger 2.0 operation with formData parameters ``x-kpn-closed-form: true``.

    Swagger 2.0 does not say whether a form field the operation does not declare may be sent, nor
    whether the form may be left out. This contract says: the declared fields are the whole form,
    and the form is sent (as stock tools such as schemathesis read a formData operation). The
    toolkit then refuses other fields; the published file stays open (leniency ``formdata-closed-set``).
    """
    closed = 0
    for item in doc.get("paths", {}).values():
        for method, op in item.items() if isinstance(item, dict) else ():
            if method not in HTTP_METHODS or not isinstance(op, dict):
                continue
            if any(isinstance(p, dict) and p.get("in") == "formData" for p in op.get("parameters", [])):
                op["x-kpn-closed-form"] = True
                closed += 1
    if closed:
        notes.append(
            f"{closed} operations take Swagger 2.0 formData, which leaves open whether other fields may be "
            "sent and whether the form may be left out: x-kpn-closed-form says the declared fields are the "
            "whole form and the form is required"
        )


# The repairs that write the toolkit's reading of a published defect where stock tools read it otherwise
# (each published file keeps its defect, read by contract/leniency.py): in order, what was published
# where, and what is written instead.
STOCK_REPAIRS: list[tuple[Any, str, str]] = [
    (repair_media_types, "the media type `application` (not a media type) was published in",
     "application/json is written"),
    (close_forms, "", ""),
    (drop_path_parameters_not_in_template,
     "a path parameter its path template does not contain (so it can never be sent) was published on",
     "it is left out"),
    (drop_bodies_of_204, "a body on 204 No Content, which HTTP forbids, was published on", "the 204 declares none"),
    (drop_unsatisfiable_types, "an enum none of whose values has the declared type was published at",
     "the type is dropped and the enum kept"),
    (read_parameter_refs_as_schemas,
     "a parameter schema that refers to a Parameter Object (not a schema) was published on",
     "that parameter's own schema is written"),
    (drop_ignored_headers, "a header parameter named Accept, Content-Type or Authorization, which OpenAPI "
     "says SHALL be ignored, was published on", "it is left out"),
    (declare_dangling_schemas, "a $ref to a schema the file does not declare was published for",
     "each is declared as any value, as the toolkit reads it"),
]


def literal_blocks(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def add_own_prose(doc: dict[str, Any], product: dict[str, Any]) -> None:
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            key = f"{method.upper()} {path}"
            op["summary"] = product["summaries"][key] if "summaries" in product else f"{key}."
            for code, response in op.get("responses", {}).items():
                if isinstance(response, dict) and "$ref" not in response:
                    response["description"] = STATUS_TEXT.get(code, "See the status code.")
    components = doc.get("components", {})
    for response in [*components.get("responses", {}).values(), *doc.get("responses", {}).values()]:
        response["description"] = "Shared response."


def derive(source_dir: Path, name: str, product: dict[str, Any], out_dir: Path) -> None:
    source = source_dir / f"{name}-openapi.yml"
    raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    int_codes: list[str] = []
    enums: list[str] = []
    doc = strip_prose(repair_enum_oneofs(raw, enums), product.get("fix_media", {}), int_codes)
    add_own_prose(doc, product)
    repairs: list[str] = []
    add_missing_scopes(doc, repairs)
    declare_gateway_answers(doc, repairs)
    if name in NOT_FOUND_DOCUMENTED:
        declare_unknown_resources(doc, NOT_FOUND_DOCUMENTED[name], repairs)
    for repair, published, instead in STOCK_REPAIRS:
        if repair is close_forms and raw.get("swagger") != "2.0":
            continue
        where: list[str] = []
        repair(doc, where)
        if where and repair is close_forms:
            repairs.extend(where)  # close_forms says it all
        elif where:
            repairs.append(f"{published} {', '.join(where)}; {instead}")
    if enums:
        repairs.append(
            f"{len(enums)} oneOf schemas were published with branches told apart only by their descriptions "
            "(no value can match exactly one); the values named there are written as enums"
        )
    relaxed: list[str] = []
    relax_overlapping_oneofs(doc, product.get("overlapping_oneofs", []), relaxed)
    if relaxed:
        repairs.append(
            "oneOf → anyOf where the published branches overlap so that a valid body matches both: "
            + "; ".join(relaxed)
        )
    about = product["about"].replace("{title}", raw["info"]["title"])
    if int_codes:
        repairs.append(
            f"{len(int_codes)} response codes were published as YAML integers; they are written as strings"
        )
    for repair in repairs:
        about += f"\nRepair: {repair}."
    about += f"\n\nDerived from the published definition {source.name} (info.version kept)."
    doc["info"] = {"title": raw["info"]["title"], "version": raw["info"]["version"], "description": about}
    doc["x-kpn-family"] = product["family"]
    class Dumper(yaml.SafeDumper):
        """SafeDumper with literal blocks, without adding the representer to SafeDumper itself."""

    Dumper.add_representer(str, literal_blocks)
    text = yaml.dump(doc, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=110)
    (out_dir / product["out"]).write_text(text, encoding="utf-8")


def main() -> None:
    source_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/kpn-specs")
    out_dir = Path(__file__).resolve().parent.parent
    for name, product in all_products(source_dir).items():
        derive(source_dir, name, product, out_dir)


if __name__ == "__main__":
    main()
