"""Generate the contracts of KPN Things' new (non-beta) API: ``specs/kpn-things/<resource>.yaml``.

Run from the repository root: ``python specs/_tools/build_things_specs.py`` (writes the files) or
``python specs/_tools/build_things_specs.py --check`` (exit 1 when a committed file differs).

KPN publishes one OpenAPI 3.1.0 document per resource, but only the opening part of each was
available (see ``../shared/KPN-THINGS-NEW-API.md``). What KPN states is written as plain text and
tagged [pub]; everything this project had to choose is an entry of :data:`OPEN_CHOICES` below, and
the generated descriptions quote that entry followed by "[?]". Changing a choice means editing one
entry here and regenerating; ``tests/unit/contract/test_things_specs.py`` checks that the committed
files equal this script's output and that every "[?]" in them comes from this table.

The documents use JSON Schema 2020-12 as OpenAPI 3.1 allows: ``type`` lists with ``"null"``,
``const``, ``prefixItems`` and ``$defs`` (with a ``$ref`` into a schema's own ``$defs``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NamedTuple

import yaml


class OpenChoice(NamedTuple):
    """A decision the published sources leave open: its value (when the spec needs one) and its text."""

    value: Any
    text: str


# Every choice the sources leave open. The text is quoted verbatim in the generated descriptions,
# always followed by " [?]"; no other text in the generated files carries that mark.
OPEN_CHOICES: dict[str, OpenChoice] = {
    "device_fields": OpenChoice(
        ("id", "clientId", "name", "description", "barcode", "deviceSpecificationId"),
        "KPN's Device schema was not visible; its fields are modelled on the Project schema and on the "
        "device filters. The beta's uuid becomes id, deviceSpecificationUUID becomes deviceSpecificationId, "
        "and the beta's metadata has no counterpart.",
    ),
    "nullable_text": OpenChoice(
        None,
        "An optional text field that is not set is sent as null rather than left out.",
    ),
    "page_links": OpenChoice(
        ("next", "previous"),
        "The page carries its links in a links object that is always present (possibly empty), "
        "with the names next and previous.",
    ),
    "link_form": OpenChoice(
        None,
        "A link is a relative reference, the path and query of the page (for example "
        "/devices?cursor=...&limit=2&sort=name), to be resolved against the API base URL.",
    ),
    "no_totals": OpenChoice(None, "A page carries no total count of items or pages."),
    "bad_token_status": OpenChoice(
        401,
        "A missing, malformed or expired token is answered with 401 and a WWW-Authenticate: Bearer "
        "challenge (the beta answered 302 Found).",
    ),
    "insufficient_scope": OpenChoice(
        403,
        "A token without the scope the operation requires is answered with 403 and WWW-Authenticate: "
        'Bearer error="insufficient_scope", scope="<missing scopes>" as in RFC 6750 section 3; '
        "the problem detail names the missing scope.",
    ),
    "error_bodies": OpenChoice(
        "application/problem+json",
        "Errors carry an RFC 9457 problem document (type, title, status, detail) as "
        "application/problem+json.",
    ),
    "project_list_400_body": OpenChoice(
        None,
        "KPN documents this 400 without a body; the problem document is sent here as for every other error.",
    ),
    "not_found": OpenChoice(404, "An identifier that names nothing the caller can see is answered with 404."),
    "cursor_form": OpenChoice(
        "^[A-Za-z0-9_-]{16}$",
        "The form of a cursor is not published; here it is 16 base64url characters, anything else is a 400, "
        "and a cursor of that form that belongs to another query names no page of this one: 404.",
    ),
    "body_reference": OpenChoice(
        None,
        "A deviceId or clientId in the body that names no device or client the caller may use is answered "
        "with 404, as an identifier in the path is.",
    ),
    "write_scopes": OpenChoice(
        {
            "device": "device.write",
            "device-group": "device-group.write",
            "downlink": "downlink.write",
        },
        "Only read scopes are published; the write scope is named after its read scope with .write.",
    ),
    "guessed_read_scope": OpenChoice(
        None,
        "The published scope belongs to another operation of this resource family and is assumed to apply "
        "here too.",
    ),
    "limit_bounds": OpenChoice(
        (1, 200),
        "No bounds are published for limit; 1 to 200 are accepted and anything else is a 400.",
    ),
    "sortable_fields": OpenChoice(
        {
            "device": ("createdAt", "modifiedAt", "name", "barcode"),
            "device-group": ("createdAt", "modifiedAt", "name"),
            "project": ("createdAt", "modifiedAt", "name"),
            "downlink": ("createdAt", "modifiedAt"),
            "binding": ("createdAt", "modifiedAt"),
            "network-adapter": ("createdAt", "modifiedAt"),
        },
        "The sortable fields are not published; the pattern lists the ones accepted here, and an unknown "
        "field is a 400.",
    ),
    "default_order": OpenChoice(
        None, "Without sort, items come in createdAt ascending order, ties broken by id."
    ),
    "time_filters_by_analogy": OpenChoice(
        None,
        "The published text of this resource stops before this filter; it is assumed to work as on the "
        "other resources.",
    ),
    "filters_combine": OpenChoice(None, "All filters of one request combine with AND."),
    "repeated_filter": OpenChoice(
        None, "A filter that takes several values is sent as the repeated query parameter."
    ),
    "operation_shape": OpenChoice(
        None,
        "KPN names this operation without publishing its path, body or responses; the path, the "
        "operationId and the shapes here are this project's reading.",
    ),
    "created_deleted": OpenChoice(
        (201, 204),
        "Creating answers 201 with the created object; deleting and membership changes answer 204 "
        "without a body.",
    ),
    "unique_operation_ids": OpenChoice(
        None,
        "KPN's own file calls this operation searchDownlinks (or its send counterpart); it is renamed so "
        "that operation ids are unique across specs/kpn-things.",
    ),
    "downlink_command": OpenChoice(
        None,
        "The body of an actuator-style downlink is not published: a command is written as a "
        "two-element SenML-like tuple [name, value], which the device's encoder turns into bytes.",
    ),
    "downlink_fields": OpenChoice(
        ("queued", "sent", "delivered", "failed"),
        "The downlink object is not published; it echoes the request with an id, a status and the "
        "audit fields.",
    ),
    "binding_fields": OpenChoice(
        None,
        "The binding object is not published; it names its device and owning client and adds the "
        "connector's own fields.",
    ),
    "network_adapter_fields": OpenChoice(
        None,
        "The network adapter object is not published; its kind is the type field (cellular, lora or "
        "internet), which decides the identifier it carries.",
    ),
    "device_group_fields": OpenChoice(
        None,
        "The device group object is not published; its fields are modelled on the Project schema.",
    ),
    "client_filter": OpenChoice(
        None,
        "A parent customer reads a sub-customer's data with the clientId filter; there is no context "
        "switch and no x-client-id header.",
    ),
}

SERVER = "https://api.kpnthings.com"
SCHEME = "BearerAuth"
HERE = Path(__file__).resolve().parent
OUT_DIR = HERE.parent / "kpn-things"
HEADER = (
    "# Generated by specs/_tools/build_things_specs.py from its OPEN_CHOICES table; do not edit by hand.\n"
)
JSON = "application/json"
LABELS = {"": "actuator", "lora": "LoRa", "http": "HTTP", "mqtt": "MQTT"}
TIME_FILTERS = ("createdBefore", "createdSince", "modifiedBefore", "modifiedSince")
# Request bodies that name another resource (a deviceId or clientId) which may name nothing: a 404.
BODY_REFERENCES = ("DeviceCreate", "DownlinkCreate", "LoraDownlinkCreate", "MqttDownlinkCreate")


def choice(key: str) -> str:
    """The text of one open choice, marked as such."""
    return f"{OPEN_CHOICES[key].text} [?]"


def prose(*parts: str) -> str:
    return " ".join(p for p in parts if p)


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


# -- shared schemas ----------------------------------------------------------------------------------------


def uuid(description: str = "", *, read_only: bool = False) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "string", "format": "uuid"}
    if description:
        node["description"] = description
    if read_only:
        node["readOnly"] = True
    return node


def audit_fields() -> dict[str, Any]:
    return {
        "createdAt": {
            "type": "string",
            "format": "date-time",
            "readOnly": True,
            "description": "When it was created.",
        },
        "createdBy": {
            "type": "string",
            "readOnly": True,
            "description": "Who created it, as principal/<uuid>.",
        },
        "modifiedAt": {
            "type": "string",
            "format": "date-time",
            "readOnly": True,
            "description": "When it was last changed.",
        },
        "modifiedBy": {"type": "string", "readOnly": True, "description": "Who last changed it."},
    }


def nullable_text(description: str) -> dict[str, Any]:
    return {"type": ["string", "null"], "description": prose(description, choice("nullable_text"))}


NON_BLANK = {
    "type": "string",
    "minLength": 1,
    "pattern": r".*\S.*",
    "description": "Text that is neither empty nor only whitespace [pub].",
}


def problem_schemas() -> dict[str, Any]:
    return {
        "Problem": {
            "type": "object",
            "description": choice("error_bodies"),
            "required": ["type", "title", "status"],
            "properties": {
                "type": {
                    "type": "string",
                    "format": "uri-reference",
                    "description": "Identifies the kind of problem; about:blank when the status says it all.",
                },
                "title": {"type": "string", "description": "A short summary of the kind of problem."},
                "status": {"type": "integer", "minimum": 400, "maximum": 599},
                "detail": {
                    "type": ["string", "null"],
                    "description": "What went wrong with this request, for a human reader.",
                },
            },
        }
    }


def page_links_schema() -> dict[str, Any]:
    nxt, previous = OPEN_CHOICES["page_links"].value
    link = {"$ref": "#/components/schemas/PageLinks/$defs/Link"}
    return {
        "type": "object",
        "description": prose(
            "Links to the neighbouring pages: the next one only when this is not the last page, the "
            "previous one only when this is not the first page [pub].",
            choice("page_links"),
        ),
        "$defs": {
            "Link": {
                "type": "string",
                "format": "uri-reference",
                "minLength": 1,
                "description": choice("link_form"),
            }
        },
        "properties": {nxt: link, previous: link},
    }


def page_schema(item: str, what: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": prose(f"One page of {what} [pub].", choice("no_totals")),
        "required": ["items", "links"],
        "properties": {
            "items": {"type": "array", "items": ref(item)},
            "links": ref("PageLinks"),
        },
    }


# -- resource schemas ---------------------------------------------------------------------------------------


def device_schemas() -> dict[str, Any]:
    base = {
        "name": {**NON_BLANK, "description": "The device's name."},
        "description": nullable_text("What the device is for."),
        "barcode": nullable_text("The barcode printed on the device."),
        "deviceSpecificationId": uuid("The device specification (model) of the device."),
    }
    return {
        "Device": {
            "type": "object",
            "description": prose("A device known to KPN Things.", choice("device_fields")),
            "required": ["id", "clientId", "name", "deviceSpecificationId"],
            "properties": {
                "id": uuid("The device's identifier.", read_only=True),
                "clientId": uuid("The client (customer) that owns the device."),
                **base,
                **audit_fields(),
            },
        },
        "DeviceCreate": {
            "type": "object",
            "description": prose(
                "A new device; without clientId it belongs to the calling client.", choice("device_fields")
            ),
            "required": ["name", "deviceSpecificationId"],
            "properties": {"clientId": uuid("The client that is to own the device."), **base},
        },
        "DeviceUpdate": {
            "type": "object",
            "description": prose(
                "The full new state of a device's writable fields.", choice("device_fields")
            ),
            "required": ["name", "deviceSpecificationId"],
            "properties": base,
        },
    }


def device_group_schema() -> dict[str, Any]:
    return {
        "DeviceGroup": {
            "type": "object",
            "description": prose(
                "A subset of one project's devices, which is also the project's flow: devices, uplink "
                "decoders, downlink encoders and destinations [pub].",
                choice("device_group_fields"),
            ),
            "required": ["id", "clientId", "projectId", "name"],
            "properties": {
                "id": uuid("The device group's identifier.", read_only=True),
                "clientId": uuid("The client that owns the group."),
                "projectId": uuid("The project the group belongs to."),
                "name": {**NON_BLANK, "description": "The group's name."},
                "description": nullable_text("What the group is for."),
                **audit_fields(),
            },
        }
    }


def project_schemas() -> dict[str, Any]:
    return {
        "Project": {
            "type": "object",
            "description": "A project: the container of devices, destinations and flows [pub].",
            "required": ["id", "clientId", "name", "definition"],
            "properties": {
                "id": uuid("The project's identifier [pub].", read_only=True),
                "clientId": uuid("The client that owns the project [pub]."),
                **audit_fields(),
                "name": {"allOf": [ref("NonBlankString")], "description": "The project's name [pub]."},
                "description": {
                    "allOf": [ref("NonBlankString")],
                    "description": "A short description [pub].",
                },
                "definition": ref("ProjectDefinition"),
            },
        },
        "ProjectDefinition": {
            "type": "object",
            "description": "The kind of project and its constraints; only type is published [pub].",
            "required": ["type"],
            "properties": {"type": {"type": "string", "description": "The project type [pub]."}},
        },
        "NonBlankString": NON_BLANK,
    }


def network_adapter_schemas() -> dict[str, Any]:
    common = {
        "id": uuid("The adapter's identifier.", read_only=True),
        "deviceId": uuid("The device the adapter belongs to.", read_only=True),
        **audit_fields(),
    }

    def kind(name: str, extra: dict[str, Any], required: list[str], about: str) -> dict[str, Any]:
        return {
            "type": "object",
            "description": about,
            "required": ["type", *required],
            "properties": {"type": {"const": name}, **extra},
        }

    imei = {"imei": {"type": "string", "pattern": "^[0-9]{15}$", "description": "The modem's IMEI."}}
    dev_eui = {
        "devEui": {"type": "string", "pattern": "^[0-9A-Fa-f]{16}$", "description": "The LoRa DevEUI."}
    }
    variants = [
        kind("cellular", imei, ["imei"], "A cellular adapter, known by its IMEI [pub]."),
        kind("lora", dev_eui, ["devEui"], "A LoRa adapter, known by its DevEUI [pub]."),
        kind("internet", {}, [], "A generic internet adapter [pub]."),
    ]
    return {
        "NetworkAdapter": {
            "description": prose(
                "One of the device's physical connectivity interfaces [pub].",
                choice("network_adapter_fields"),
            ),
            "allOf": [
                {"type": "object", "required": ["id", "deviceId"], "properties": common},
                {"oneOf": variants},
            ],
        },
        "NetworkAdapterCreate": {
            "description": prose("A new network adapter for the device.", choice("network_adapter_fields")),
            "oneOf": variants,
        },
    }


def downlink_schemas(kind: str) -> dict[str, Any]:
    """The downlink request and object of the actuator-style API (``""``), LoRa or MQTT."""
    statuses = list(OPEN_CHOICES["downlink_fields"].value)
    if kind == "":
        payload = {
            "command": {
                "type": "array",
                "description": choice("downlink_command"),
                "prefixItems": [
                    {**NON_BLANK, "description": "The command's name, as the encoder knows it."},
                    {"type": ["number", "string", "boolean"], "description": "The command's value."},
                ],
                "items": False,
                "minItems": 2,
            },
            "externalReference": nullable_text("The caller's own reference, echoed back."),
        }
        required = ["deviceId", "command"]
        name = "Downlink"
    elif kind == "lora":
        payload = {
            "port": {"type": "integer", "minimum": 1, "maximum": 223, "description": "The LoRaWAN FPort."},
            "payloadHex": {
                "type": "string",
                "pattern": "^([0-9A-Fa-f]{2}){1,242}$",
                "description": "The frame payload as hexadecimal bytes.",
            },
            "confirmed": {
                "type": "boolean",
                "default": False,
                "description": "Ask the device to acknowledge.",
            },
        }
        required = ["deviceId", "port", "payloadHex"]
        name = "LoraDownlink"
    else:
        payload = {
            "topic": {**NON_BLANK, "description": "The MQTT topic the message is published on."},
            "message": {"type": "string", "description": "The message published to the device."},
            "qos": {"enum": [0, 1, 2], "default": 0, "description": "The MQTT quality of service."},
        }
        required = ["deviceId", "topic", "message"]
        name = "MqttDownlink"
    request = {"deviceId": uuid("The device the downlink is for."), **payload}
    echoed = dict(request)
    if "command" in echoed:
        # The answer's command without prefixItems: schemathesis 4.32 turns a response schema's
        # prefixItems into the draft-4 items: [...] and then rejects it as 2020-12, so stock
        # `schemathesis run` stops on this spec. The request body keeps the exact tuple.
        echoed["command"] = {
            "type": "array",
            "description": "The command as it was sent (see the request body for its two positions).",
            "items": {"type": ["number", "string", "boolean"]},
            "minItems": 2,
            "maxItems": 2,
        }
    return {
        name: {
            "type": "object",
            "description": choice("downlink_fields"),
            "required": ["id", "status", *required],
            "properties": {
                "id": uuid("The downlink's identifier.", read_only=True),
                **echoed,
                "status": {"enum": statuses, "readOnly": True, "description": "Where the downlink is."},
                **audit_fields(),
            },
        },
        f"{name}Create": {
            "type": "object",
            "description": choice("downlink_fields"),
            "required": required,
            "properties": request,
        },
    }


def binding_schema(kind: str) -> dict[str, Any]:
    extra: dict[str, Any]
    if kind == "Lora":
        extra = {
            "devEui": {"type": "string", "pattern": "^[0-9A-Fa-f]{16}$", "description": "The LoRa DevEUI."}
        }
    elif kind == "Http":
        extra = {
            "type": {
                "enum": ["http-streamline", "http-senml"],
                "description": "How uplinks are sent over HTTP(S) [pub].",
            }
        }
    else:
        extra = {"username": {"type": "string", "description": "The MQTT username of the device [pub]."}}
    return {
        f"{kind}Binding": {
            "type": "object",
            "description": prose(
                "The per-device configuration that lets a device use a connector [pub].",
                choice("binding_fields"),
            ),
            "required": ["id", "deviceId", "clientId"],
            "properties": {
                "id": uuid("The binding's identifier.", read_only=True),
                "deviceId": uuid("The bound device."),
                "clientId": uuid("The client that owns the device."),
                **extra,
                **audit_fields(),
            },
        }
    }


# -- parameters ---------------------------------------------------------------------------------------------


def query(name: str, schema: dict[str, Any], description: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema, **extra}


def path_param(name: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": f"The {what}'s identifier.",
        "schema": uuid(),
    }


def paging(sort_key: str) -> list[dict[str, Any]]:
    low, high = OPEN_CHOICES["limit_bounds"].value
    fields = "|".join(OPEN_CHOICES["sortable_fields"].value[sort_key])
    return [
        query(
            "cursor",
            {"type": "string", "format": "cursor", "pattern": OPEN_CHOICES["cursor_form"].value},
            prose(
                "An opaque token that selects a page; take it from a page link, never build it [pub].",
                choice("cursor_form"),
            ),
        ),
        query(
            "limit",
            {"type": "integer", "minimum": low, "maximum": high, "default": 50},
            prose("How many items a page holds; 50 unless given [pub].", choice("limit_bounds")),
        ),
        query(
            "sort",
            {"type": "string", "pattern": f"^-?({fields})(,-?({fields}))*$"},
            prose(
                "Comma-separated fields to sort on, ascending unless the field starts with - [pub].",
                choice("sortable_fields"),
                choice("default_order"),
            ),
            example="createdAt,-name" if "name" in fields else "-createdAt",
        ),
    ]


def time_window(published: tuple[str, ...] = TIME_FILTERS) -> list[dict[str, Any]]:
    """The four time filters; those not in ``published`` are only seen on other resources."""
    instant = {"type": "string", "format": "date-time"}
    texts = {
        "createdBefore": "Only items created strictly before this ISO 8601 instant",
        "createdSince": "Only items created at or after this ISO 8601 instant",
        "modifiedBefore": "Only items last changed strictly before this ISO 8601 instant",
        "modifiedSince": "Only items last changed at or after this ISO 8601 instant",
    }
    return [
        query(
            name,
            dict(instant),
            f"{text} [pub]." if name in published else f"{text}. {choice('time_filters_by_analogy')}",
        )
        for name, text in texts.items()
    ]


def client_filter(about: str) -> dict[str, Any]:
    return query("clientId", uuid(), prose(about, choice("client_filter")))


# -- responses ----------------------------------------------------------------------------------------------


def problem(status: int, description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    media = OPEN_CHOICES["error_bodies"].value
    node: dict[str, Any] = {
        "description": description,
        "content": {
            media: {"schema": {"allOf": [ref("Problem"), {"properties": {"status": {"const": status}}}]}}
        },
    }
    if headers:
        node["headers"] = headers
    return node


def error_responses(causes: list[str], bad_request: str = "", not_found: list[str] | None = None) -> dict[str, Any]:
    unauthorized = OPEN_CHOICES["bad_token_status"].value
    forbidden = OPEN_CHOICES["insufficient_scope"].value
    responses: dict[str, Any] = {
        "400": problem(400, prose(f"The request is invalid: {', '.join(causes)}.", bad_request)),
        str(unauthorized): problem(
            unauthorized,
            choice("bad_token_status"),
            {
                "WWW-Authenticate": {
                    "required": True,
                    "description": "The Bearer challenge.",
                    "schema": {"type": "string", "pattern": "^Bearer"},
                }
            },
        ),
        str(forbidden): problem(
            forbidden,
            choice("insufficient_scope"),
            {
                "WWW-Authenticate": {
                    "required": True,
                    "description": "The Bearer challenge naming the missing scope.",
                    "schema": {"type": "string", "pattern": '^Bearer error="insufficient_scope"'},
                }
            },
        ),
    }
    if not_found:
        responses[str(OPEN_CHOICES["not_found"].value)] = problem(404, prose(*not_found))
    return responses


def ok(schema_name: str, description: str) -> dict[str, Any]:
    return {"200": {"description": description, "content": {JSON: {"schema": ref(schema_name)}}}}


def created(schema_name: str, description: str) -> dict[str, Any]:
    code = str(OPEN_CHOICES["created_deleted"].value[0])
    return {
        code: {
            "description": prose(description, choice("created_deleted")),
            "content": {JSON: {"schema": ref(schema_name)}},
        }
    }


def no_content(description: str) -> dict[str, Any]:
    code = str(OPEN_CHOICES["created_deleted"].value[1])
    return {code: {"description": prose(description, choice("created_deleted"))}}


# -- operations ---------------------------------------------------------------------------------------------


class Scope(NamedTuple):
    name: str
    published: bool


def read(name: str, *, published: bool = True) -> Scope:
    return Scope(name, published)


def write(resource: str) -> Scope:
    return Scope(OPEN_CHOICES["write_scopes"].value[resource], published=False)


def operation(
    operation_id: str,
    summary: str,
    about: str,
    scope: Scope,
    responses: dict[str, Any],
    *,
    tag: str,
    parameters: list[dict[str, Any]] | None = None,
    body: tuple[str, str] | None = None,
    by_id: bool = False,
    bad_request: str = "",
) -> dict[str, Any]:
    if scope.published:
        scope_text = f"Requires the scope {scope.name} [pub]."
    elif scope.name.endswith(".write"):
        scope_text = f"Requires the scope {scope.name}. {choice('write_scopes')}"
    else:
        scope_text = f"Requires the scope {scope.name}. {choice('guessed_read_scope')}"
    node: dict[str, Any] = {
        "tags": [tag],
        "operationId": operation_id,
        "summary": summary,
        "description": prose(about, scope_text),
        "security": [{SCHEME: [scope.name]}],
    }
    if parameters:
        node["parameters"] = parameters
    if body is not None:
        schema_name, description = body
        node["requestBody"] = {
            "required": True,
            "description": description,
            "content": {JSON: {"schema": ref(schema_name)}},
        }
    causes = []
    not_found = []
    if by_id:
        causes.append("an identifier that is not a UUID")
        not_found.append(choice("not_found"))
    names = {p["name"] for p in parameters or []}
    if "cursor" in names:
        causes += ["a malformed cursor", "a limit out of range", "an unknown sort field"]
        not_found.append(choice("cursor_form"))
    if names & set(TIME_FILTERS):
        causes.append("a malformed date")
    if body is not None:
        causes.append("a body that breaks its schema")
        if body[0] in BODY_REFERENCES:
            not_found.append(choice("body_reference"))
    node["responses"] = {**responses, **error_responses(causes, bad_request, not_found)}
    return node


def list_about(what: str) -> str:
    return prose(f"Pages through {what}.", choice("filters_combine"))


# -- the documents ------------------------------------------------------------------------------------------


class Document(NamedTuple):
    file: str
    title: str
    version: str
    about: str
    paths: dict[str, Any]
    schemas: dict[str, Any]


def devices() -> Document:
    device_id = path_param("deviceId", "device")
    group_id = path_param("deviceGroupId", "device group")
    adapter_id = path_param("networkAdapterId", "network adapter")
    shape = choice("operation_shape")
    tag = "Devices"
    filters = [
        query(
            "q",
            {"type": "string", "minLength": 1},
            "Only devices whose name or description contains this text, ignoring case [pub].",
            example="parking",
        ),
        client_filter("Only devices owned by this client; without it, every device the caller owns [pub]."),
        query("barcode", {"type": "string"}, "Only devices whose barcode contains this text [pub]."),
        query(
            "deviceSpecificationId",
            {"type": "array", "items": uuid()},
            prose("Only devices of one of these device specifications [pub].", choice("repeated_filter")),
            style="form",
            explode=True,
        ),
        *time_window(published=("createdBefore", "createdSince")),
    ]
    paths = {
        "/devices": {
            "get": operation(
                "searchDevices",
                "Search devices",
                list_about(
                    "the devices the caller owns, filtered by text, client, barcode, specification and time"
                ),
                read("device.read"),
                ok("PageOfDevices", "A page of devices."),
                tag=tag,
                parameters=[*paging("device"), *filters],
            ),
            "post": operation(
                "createDevice",
                "Create a device",
                prose("Registers a new device [pub].", shape),
                write("device"),
                created("Device", "The new device."),
                tag=tag,
                body=("DeviceCreate", "The device to create."),
            ),
        },
        "/devices/{deviceId}": {
            "parameters": [device_id],
            "get": operation(
                "getDevice",
                "Get a device",
                prose("Reads one device [pub].", shape),
                read("device.read"),
                ok("Device", "The device."),
                tag=tag,
                by_id=True,
            ),
            "put": operation(
                "updateDevice",
                "Update a device",
                prose("Replaces the writable fields of one device [pub].", shape),
                write("device"),
                ok("Device", "The device as it is now."),
                tag=tag,
                body=("DeviceUpdate", "The device's new state."),
                by_id=True,
            ),
            "delete": operation(
                "deleteDevice",
                "Delete a device",
                prose("Removes one device [pub].", shape),
                write("device"),
                no_content("The device is gone."),
                tag=tag,
                by_id=True,
            ),
        },
        "/devices/{deviceId}/device-groups": {
            "parameters": [device_id],
            "get": operation(
                "searchDeviceGroupsOfDevice",
                "List the groups of a device",
                prose(list_about("the device groups one device belongs to [pub]"), shape),
                read("device.read"),
                ok("PageOfDeviceGroups", "A page of device groups."),
                tag=tag,
                parameters=paging("device-group"),
                by_id=True,
            ),
        },
        "/devices/{deviceId}/device-groups/{deviceGroupId}": {
            "parameters": [device_id, group_id],
            "put": operation(
                "addDeviceGroupToDevice",
                "Add a device to a group",
                prose(
                    "Makes the device a member of the group; adding it twice changes nothing [pub].", shape
                ),
                write("device"),
                no_content("The device is a member of the group."),
                tag=tag,
                by_id=True,
            ),
            "delete": operation(
                "removeDeviceGroupFromDevice",
                "Remove a device from a group",
                prose("Ends the device's membership of the group [pub].", shape),
                write("device"),
                no_content("The device is no longer a member of the group."),
                tag=tag,
                by_id=True,
            ),
        },
        "/devices/{deviceId}/network-adapters": {
            "parameters": [device_id],
            "get": operation(
                "searchNetworkAdapters",
                "List a device's network adapters",
                prose(
                    list_about("the connectivity interfaces of one device: cellular, LoRa or internet [pub]"),
                    shape,
                ),
                read("device.read"),
                ok("PageOfNetworkAdapters", "A page of network adapters."),
                tag=tag,
                parameters=paging("network-adapter"),
                by_id=True,
            ),
            "post": operation(
                "createNetworkAdapter",
                "Add a network adapter",
                prose("Gives the device one more connectivity interface [pub].", shape),
                write("device"),
                created("NetworkAdapter", "The new network adapter."),
                tag=tag,
                body=("NetworkAdapterCreate", "The adapter to add."),
                by_id=True,
            ),
        },
        "/devices/{deviceId}/network-adapters/{networkAdapterId}": {
            "parameters": [device_id, adapter_id],
            "delete": operation(
                "deleteNetworkAdapter",
                "Remove a network adapter",
                prose("Removes one connectivity interface of the device [pub].", shape),
                write("device"),
                no_content("The adapter is gone."),
                tag=tag,
                by_id=True,
            ),
        },
    }
    schemas = {
        **device_schemas(),
        **device_group_schema(),
        **network_adapter_schemas(),
        "PageOfDevices": page_schema("Device", "devices"),
        "PageOfDeviceGroups": page_schema("DeviceGroup", "device groups"),
        "PageOfNetworkAdapters": page_schema("NetworkAdapter", "network adapters"),
    }
    return Document(
        "devices.yaml",
        "Device API",
        "0.15.0",
        "Devices, with their group memberships and network adapters [pub].",
        paths,
        schemas,
    )


def device_groups() -> Document:
    group_id = path_param("deviceGroupId", "device group")
    shape = choice("operation_shape")
    tag = "Device groups"
    paths = {
        "/device-groups": {
            "get": operation(
                "searchDeviceGroups",
                "Search device groups",
                list_about("the device groups the caller can access"),
                read("device-group.read"),
                ok("PageOfDeviceGroups", "A page of device groups."),
                tag=tag,
                parameters=[
                    *paging("device-group"),
                    query(
                        "q",
                        {"type": "string"},
                        "Only groups whose name or description contains this text, ignoring case [pub].",
                    ),
                    client_filter(
                        "Only groups owned by this client; without it, every group the caller can access "
                        "[pub]."
                    ),
                    query(
                        "projectId",
                        uuid(),
                        "Only groups of this project; without it, every group the caller can access [pub].",
                    ),
                    *time_window(published=("createdBefore",)),
                ],
            ),
        },
        "/device-groups/{deviceGroupId}/devices": {
            "parameters": [group_id],
            "get": operation(
                "searchDevicesOfDeviceGroup",
                "List the devices of a group",
                prose(list_about("the members of one device group [pub]"), shape),
                read("device-group.read"),
                ok("PageOfDevices", "A page of devices."),
                tag=tag,
                parameters=paging("device"),
                by_id=True,
            ),
            "post": operation(
                "addDevicesToDeviceGroup",
                "Add devices to a group",
                prose("Makes each listed device a member of the group; members stay members [pub].", shape),
                write("device-group"),
                no_content("The devices are members of the group."),
                tag=tag,
                body=("DeviceIds", "The devices to add."),
                by_id=True,
            ),
        },
        "/device-groups/{deviceGroupId}/devices/{deviceId}": {
            "parameters": [group_id, path_param("deviceId", "device")],
            "delete": operation(
                "removeDeviceFromDeviceGroup",
                "Remove a device from a group",
                prose("Ends one device's membership of the group [pub].", shape),
                write("device-group"),
                no_content("The device is no longer a member of the group."),
                tag=tag,
                by_id=True,
            ),
        },
    }
    schemas = {
        **device_group_schema(),
        **{k: v for k, v in device_schemas().items() if k == "Device"},
        "DeviceIds": {
            "type": "object",
            "required": ["deviceIds"],
            "properties": {
                "deviceIds": {"type": "array", "minItems": 1, "uniqueItems": True, "items": uuid()},
            },
        },
        "PageOfDeviceGroups": page_schema("DeviceGroup", "device groups"),
        "PageOfDevices": page_schema("Device", "devices"),
    }
    return Document(
        "device-groups.yaml",
        "Device Group API",
        "0.9.0",
        "Device groups and their members; the rest of a group's flow is configured in the Things "
        "Manager [pub].",
        paths,
        schemas,
    )


def projects() -> Document:
    tag = "Projects"
    paths = {
        "/projects": {
            "get": operation(
                "searchProjects",
                "Search projects",
                list_about("the projects the caller can access"),
                read("project.read", published=False),
                ok("PageOfProjects", "A page of projects [pub]."),
                tag=tag,
                parameters=[
                    *paging("project"),
                    query(
                        "q",
                        {"type": "string", "minLength": 1},
                        "Only projects whose name or description contains this text, ignoring case [pub].",
                        example="track",
                    ),
                    client_filter("Only projects owned by this client [pub]."),
                    *time_window(),
                ],
                bad_request=choice("project_list_400_body"),
            ),
        },
        "/projects/{projectId}": {
            "parameters": [path_param("projectId", "project")],
            "get": operation(
                "getProject",
                "Get a project",
                "Reads one project [pub].",
                read("project.read"),
                ok("Project", "The project [pub]."),
                tag=tag,
                by_id=True,
            ),
        },
    }
    schemas = {**project_schemas(), "PageOfProjects": page_schema("Project", "projects")}
    return Document("projects.yaml", "Projects API", "0.8.0", "Projects [pub].", paths, schemas)


def downlinks(kind: str) -> Document:
    """The actuator-style downlinks (``kind=""``), or the LoRa or MQTT connection-specific ones."""
    prefix = kind.capitalize()
    path = f"/{kind}/downlinks" if kind else "/downlinks"
    name = f"{prefix}Downlink"
    tag = "Downlinks"
    paging_params = paging("downlink")
    if kind:
        renamed = choice("unique_operation_ids")
        filters = [query("deviceId", uuid(), "Only downlinks for this device, matched exactly [pub].")]
        scope_read = read("downlink.read", published=False)
        about = (
            f"{LABELS[kind]} downlinks carry a payload in the connection's own "
            "format; a wrong payload can break the device [pub]."
        )
    else:
        renamed = ""
        filters = [
            query(
                "q",
                {"type": "string", "minLength": 1},
                "Only downlinks whose tagValue equals this text or whose networkId or message contains it; "
                "case matters [pub].",
                example="urn:dev:DEVEUI:1234567890abcded:",
            )
        ]
        scope_read = read("downlink.read")
        about = (
            "Actuator-style downlinks: a high-level command that the device's encoder turns into the "
            "connection's payload; the recommended way to send downlinks [pub]."
        )
    paths = {
        path: {
            "get": operation(
                f"search{prefix}Downlinks",
                f"Search {LABELS[kind]} downlinks",
                prose(list_about("downlinks"), renamed),
                scope_read,
                ok(f"PageOf{name}s", "A page of downlinks."),
                tag=tag,
                parameters=[*paging_params, *filters, *time_window()],
            ),
            "post": operation(
                f"send{prefix}Downlink" if kind else "createDownlink",
                "Send a downlink",
                prose("Queues a downlink for one device [pub].", choice("operation_shape"), renamed),
                write("downlink"),
                created(name, "The queued downlink."),
                tag=tag,
                body=(f"{name}Create", "The downlink to send."),
            ),
        }
    }
    schemas = {**downlink_schemas(kind), f"PageOf{name}s": page_schema(name, "downlinks")}
    titles = {
        "": ("downlinks.yaml", "Downlinks API", "0.8.0"),
        "lora": ("lora-downlinks.yaml", "LoRa Downlinks API", "0.8.0"),
        "mqtt": ("mqtt-downlinks.yaml", "MQTT Downlinks API", "0.10.0"),
    }
    file, title, version = titles[kind]
    return Document(file, title, version, about, paths, schemas)


def bindings(kind: str) -> Document:
    prefix = kind.capitalize()
    label = LABELS[kind]
    extra: list[dict[str, Any]] = []
    if kind == "http":
        extra.append(
            query(
                "type",
                {"type": "string"},
                "Only bindings of this type; http-streamline and http-senml are supported [pub].",
                example="http-senml",
            )
        )
    if kind == "mqtt":
        extra.append(
            query(
                "username",
                {"type": "string"},
                "Only bindings with exactly this username [pub].",
                example="urn:dev:DVNUUID:89b053c5-7380-4fc3-8fe6-8792e746580f:",
            )
        )
    paths = {
        f"/{kind}/bindings": {
            "get": operation(
                f"search{prefix}Bindings",
                f"Search {label} bindings",
                list_about(f"the {label} connector bindings the caller can access"),
                read("connector-binding.read", published=kind == "lora"),
                ok(f"PageOf{prefix}Bindings", f"A page of {label} bindings."),
                tag="Connector bindings",
                parameters=[
                    *paging("binding"),
                    client_filter(
                        "Only bindings of devices owned by this client; without it, bindings of every device "
                        "the caller owns [pub]."
                    ),
                    query("deviceId", uuid(), "Only bindings of this device [pub]."),
                    *extra,
                    *time_window(),
                ],
            ),
        }
    }
    schemas = {
        **binding_schema(prefix),
        f"PageOf{prefix}Bindings": page_schema(f"{prefix}Binding", "bindings"),
    }
    versions = {"lora": "1.0.0", "http": "0.6.0", "mqtt": "0.2.0"}
    about = f"{label} connector bindings: what lets a device use the {label} connector [pub]."
    return Document(f"{kind}-bindings.yaml", f"{label} Bindings API", versions[kind], about, paths, schemas)


DOCUMENTS = (
    devices,
    device_groups,
    projects,
    lambda: downlinks(""),
    lambda: downlinks("lora"),
    lambda: downlinks("mqtt"),
    lambda: bindings("lora"),
    lambda: bindings("http"),
    lambda: bindings("mqtt"),
)


def openapi(doc: Document) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": doc.title,
            "version": doc.version,
            "x-kpn-stability": "stable",
            "description": prose(
                doc.about,
                "Part of KPN Things' current API, which has one version and changes only in backward "
                "compatible ways [pub]. Text tagged \"[pub]\" is stated by KPN; text tagged \"[?]\" is a choice "
                "of this project where KPN's published material is silent.",
            ),
            "contact": {"name": "KPN Things Support", "email": "iot-developer@kpn.com"},
        },
        "servers": [{"url": SERVER, "description": "KPN Things API [pub]."}],
        "paths": doc.paths,
        "components": {
            "securitySchemes": {
                SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "A GRIP access token, valid for one hour, obtained with an API key [pub].",
                }
            },
            "schemas": {**doc.schemas, "PageLinks": page_links_schema(), **problem_schemas()},
        },
    }


def render_all() -> dict[str, str]:
    """File name → the YAML text this script generates for it."""
    result = {}
    for build in DOCUMENTS:
        doc = build()
        text = yaml.safe_dump(openapi(doc), sort_keys=False, allow_unicode=True, width=100)
        result[doc.file] = HEADER + text
    return result


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, text in render_all().items():
        target = OUT_DIR / name
        if check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    if stale:
        sys.stderr.write(f"out of date: {', '.join(stale)}; run python specs/_tools/build_things_specs.py\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
