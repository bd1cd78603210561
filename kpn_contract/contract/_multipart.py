"""Reading a ``multipart/form-data`` request body back into the object its schema describes.

The standard library's MIME parser splits the parts (no extra dependency; python-multipart is a
streaming parser for servers). Each named part becomes a field: text parts as text, coerced like a
form's fields, or parsed when the part says it is JSON (OpenAPI 3's default for an object field);
file parts (with a filename) as their bytes read as Latin-1, so a ``format: binary`` string schema
sees a string and nothing is judged inside the file.
"""

from __future__ import annotations

import json
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from kpn_contract.contract._parameters import fields_object
from kpn_contract.contract.model import JSONSchema

__all__ = ["multipart_object"]


def multipart_object(body: bytes, content_type: str, schema: JSONSchema) -> dict[str, Any] | None:
    """The fields of a multipart body as an object; None when the body is no well-formed multipart message.

    Well-formed: a boundary, parts that each name their field (RFC 7578 section 4.2) and the close
    delimiter. A close delimiter alone is read as an empty form, although RFC 2046 asks for a part:
    it is how clients (schemathesis among them) send an object without fields.
    """
    head = b"Content-Type: " + content_type.encode("latin-1", errors="replace") + b"\r\n\r\n"
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    boundary = message.get_boundary() if isinstance(message, EmailMessage) else None
    if boundary is not None and body.strip() == b"--" + boundary.encode("latin-1", "replace") + b"--":
        return fields_object({}, schema)
    if not isinstance(message, EmailMessage) or not message.is_multipart() or message.defects:
        return None
    values: dict[str, list[str]] = {}
    documents: dict[str, Any] = {}  # JSON parts (OpenAPI 3's default for object fields), as parsed
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            return None
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        text = data.decode("latin-1") if part.get_filename() is not None else data.decode("utf-8", "replace")
        if part.get_filename() is None and _is_json(part.get_content_type()) and name not in values:
            try:
                documents[name] = json.loads(text)
                continue
            except ValueError:
                pass  # not JSON after all: read as text, as any other part
        values.setdefault(name, []).append(text)
    return {**fields_object(values, schema), **documents}


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")
