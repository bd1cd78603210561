"""Request bodies and body media types: whether a body is needed and in which media types.

Media types are compared by direction. In a request the consumer picks the media type, so a type
that disappears breaks it and a new one is only a new option; a removed type that a new range
(``application/*``, ``*/*``) still covers is no change. In a response the server picks among what
the consumer accepts, so a removed type breaks a consumer that asks for it, and a new one may be
sent to a consumer that accepts anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from kpn_contract.contract.model import MediaType, RequestBody
from kpn_contract.drift.spec.rules.rule import Rule
from kpn_contract.drift.spec.schemaview import escape_pointer

if TYPE_CHECKING:
    from kpn_contract.drift.spec.schemadiff import SchemaDiffer, Side

__all__ = ["RULES", "compare_content", "compare_request_body", "media_name"]

RULES: tuple[Rule, ...] = (
    Rule(
        "request.body.became-required",
        "breaking",
        "diff",
        "the request body became required",
        "Calls without a body are rejected.",
        "`requestBody.required: true`",
    ),
    Rule(
        "request.media-type.removed",
        "breaking",
        "diff",
        "a request media type was removed",
        "Bodies in this media type are rejected (415).",
        "`application/xml` removed",
    ),
    Rule(
        "request.media-type.changed",
        "breaking",
        "diff",
        "the only request media type was replaced",
        "The only accepted body media type was replaced.",
        "`application/json` → `application/xml`",
    ),
    Rule(
        "request.body.removed",
        "breaking",
        "diff",
        "the operation no longer takes a request body",
        "The body you send is ignored or rejected: what it carried no longer reaches the server.",
        "`requestBody` removed from `PUT /devices/{id}`",
    ),
    Rule(
        "request.media-type.added",
        "info",
        "diff",
        "the request body may be sent in a new media type",
        "A new option; the media types you send are still accepted.",
        "`application/merge-patch+json` added",
    ),
    Rule(
        "response.media-type.added",
        "warning",
        "diff",
        "a response may come in a new media type",
        "A consumer that sends no (or a broad) `Accept` may get a body it cannot parse.",
        "`application/xml` added next to `application/json`",
    ),
)


def media_name(name: str) -> str:
    """A media type without parameters, in lower case (``text/plain; charset=utf-8`` → ``text/plain``)."""
    return name.split(";", 1)[0].strip().lower()


def _covers(media_range: str, name: str) -> bool:
    kind, _, sub = media_range.partition("/")
    other_kind, _, _ = name.partition("/")
    return media_range == "*/*" or (sub == "*" and kind == other_kind)


def compare_request_body(
    differ: SchemaDiffer, op: str, old: RequestBody | None, new: RequestBody | None
) -> None:
    """Whether a body is still taken, now required, and in which media types."""
    if new is not None and new.required and (old is None or not old.required):
        differ.emit(
            "request.body.became-required",
            op,
            "/requestBody/required",
            old=False,
            new=True,
            message="body now required",
        )
    if old is not None and new is None and old.content:
        differ.emit(
            "request.body.removed",
            op,
            "/requestBody",
            old=sorted(media_name(m) for m in old.content),
            new=None,
            message="the operation no longer takes a request body",
        )
    if old is None or new is None:
        return
    compare_content(differ, op, "/requestBody/content", old.content, new.content, side="request")


def compare_content(
    differ: SchemaDiffer,
    op: str,
    pointer: str,
    old: Mapping[str, MediaType],
    new: Mapping[str, MediaType],
    *,
    side: Side,
) -> None:
    """The media types of one body, then the schema of each media type both sides declare."""
    before = {media_name(k): v for k, v in old.items()}
    after = {media_name(k): v for k, v in new.items()}
    removed = sorted(before.keys() - after.keys())
    added = sorted(after.keys() - before.keys())
    prefix = "response" if side == "response" else "request"
    if prefix == "request":
        removed = [name for name in removed if not any(_covers(r, name) for r in after)]
    if removed and len(removed) == len(before) and len(added) == 1 and len(removed) == 1:
        differ.emit(
            f"{prefix}.media-type.changed",
            op,
            f"{pointer}/{escape_pointer(removed[0])}",
            old=removed[0],
            new=added[0],
            message=f"{prefix} media type {removed[0]} replaced by {added[0]}",
        )
        differ.schema(
            op,
            before[removed[0]].schema,
            after[added[0]].schema,
            f"{pointer}/{escape_pointer(removed[0])}/schema",
            side,
        )
        return
    for name in removed:
        differ.emit(
            f"{prefix}.media-type.removed",
            op,
            f"{pointer}/{escape_pointer(name)}",
            old=name,
            new=None,
            message=f"{prefix} media type {name} removed",
        )
    if before:  # a body where there was none is new, not a new media type of an old body
        for name in added:
            differ.emit(
                f"{prefix}.media-type.added",
                op,
                f"{pointer}/{escape_pointer(name)}",
                old=None,
                new=name,
                message=f"{prefix} media type {name} added",
            )
    for name in sorted(before.keys() & after.keys()):
        differ.schema(
            op, before[name].schema, after[name].schema, f"{pointer}/{escape_pointer(name)}/schema", side
        )
