"""Recording against recording, part two: compare two sets of inferred shapes (``shapeinfer``).

Only operations recorded in both sets are compared. Statuses, body fields (types, presence,
nullability, enum-like values) and documented headers each give findings under the rules of
:mod:`kpn_contract.drift.spec.rules` whose source is ``drift`` or ``both``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from kpn_contract.drift.findings import (
    Finding,
    FindingCollector,
    StabilityPolicy,
    apply_policy,
    sort_findings,
)
from kpn_contract.drift.recordings.headershapes import compare_recorded_headers
from kpn_contract.drift.recordings.shapeinfer import (
    ENUM_MAX_VALUES,
    ENUM_MIN_SAMPLES,
    BodyShape,
    FieldShape,
    OperationIndex,
    OperationShape,
    ResponseValidator,
    infer,
    infer_shapes,
    load_recordings,
    operation_for,
    parent_pointer,
    type_names,
)

__all__ = [
    "ENUM_MAX_VALUES",
    "ENUM_MIN_SAMPLES",
    "BodyShape",
    "FieldShape",
    "OperationShape",
    "drift_recordings",
    "infer_shapes",
    "load_recordings",
    "operation_for",
]


def _compare_statuses(out: FindingCollector, key: str, base: OperationShape, new: OperationShape) -> None:
    base_ok = {s for s in base.statuses if s < 400}
    new_ok = {s for s in new.statuses if s < 400}
    gone, came = sorted(base_ok - new_ok), sorted(new_ok - base_ok)
    if gone and came:
        out.emit(
            "response.status.changed",
            key,
            "",
            old=gone,
            new=came,
            message=f"success status {', '.join(map(str, gone))} became {', '.join(map(str, came))}",
        )
    elif gone:
        out.emit(
            "response.status.removed",
            key,
            "",
            old=gone,
            new=sorted(new_ok),
            message=f"success status {', '.join(map(str, gone))} no longer seen",
        )
    else:
        for status in came:
            out.emit(
                "response.status.added-success",
                key,
                "",
                old=sorted(base_ok),
                new=status,
                message=f"new success status {status}",
            )
    for status in sorted(set(new.statuses) - set(base.statuses)):
        if status >= 400:
            out.emit(
                "response.status.added-error",
                key,
                "",
                old=sorted(base.statuses),
                new=status,
                message=f"new error status {status}",
            )


def _compare_bodies(out: FindingCollector, key: str, status: int, base: BodyShape, new: BodyShape) -> None:
    if base.content_types and new.content_types and not new.content_types <= base.content_types:
        out.emit(
            "response.media-type.changed",
            key,
            "",
            old=sorted(base.content_types),
            new=sorted(new.content_types),
            message=f"status {status}: content type {', '.join(sorted(new.content_types))} not seen before",
        )
    for pointer, was in base.fields.items():
        now = new.fields.get(pointer)
        if now is None:
            parent = parent_pointer(pointer)
            # Only when the parent object itself was recorded is the field's absence evidence.
            if pointer and new.objects_at(parent):
                always = base.presence(pointer) == "always"
                out.emit(
                    "response.property.removed",
                    key,
                    pointer,
                    old="always present" if always else "sometimes present",
                    new=None,
                    message=f"status {status}: field {pointer} no longer present",
                    severity="breaking" if always else "warning",
                )
            continue
        if was.types and now.types and not now.types <= was.types:
            out.emit(
                "response.property.type-changed",
                key,
                pointer,
                old="|".join(sorted(was.types)),
                new="|".join(sorted(now.types)),
                message=f"status {status}: field {pointer or '(body)'} changed type",
            )
            continue
        if now.nulls and not was.nulls:
            out.emit(
                "response.property.became-nullable",
                key,
                pointer,
                old=False,
                new=True,
                message=f"status {status}: field {pointer or '(body)'} is now null in some responses",
            )
        if was.looks_like_enum() and now.strings:
            assert was.values is not None  # looks_like_enum guarantees it
            extra = "many" if now.values is None else sorted(now.values - was.values)
            if extra:
                out.emit(
                    "response.enum.value-added",
                    key,
                    pointer,
                    old=sorted(was.values),
                    new=extra,
                    message=f"status {status}: enum-like field {pointer} has new values",
                )
    for pointer in sorted(new.fields.keys() - base.fields.keys()):
        parent = parent_pointer(pointer)
        if pointer and base.objects_at(parent):
            out.emit(
                "response.property.added",
                key,
                pointer,
                old=None,
                new=f"{type_names(new.fields[pointer])}, {new.presence(pointer)} present",
                message=f"status {status}: new field {pointer}",
            )


def drift_recordings(
    baseline_dirs: Iterable[str | Path],
    new_dirs: Iterable[str | Path],
    *,
    index: OperationIndex | None,
    validator: ResponseValidator | None = None,
    policy: StabilityPolicy | None = None,
    severities: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Compare the recordings in ``new_dirs`` with those in ``baseline_dirs``, most severe first.

    Only operations recorded in both sets are compared (a call that was not repeated says nothing).
    With a ``validator``, every new response is also checked against the spec
    (``response.spec-violation``).
    """
    policy = policy or StabilityPolicy()
    base, _ = infer(load_recordings(baseline_dirs), index, policy, None)
    new, violations = infer(load_recordings(new_dirs), index, policy, validator)
    findings: list[Finding] = []
    for key in sorted(base.keys() & new.keys()):
        out = FindingCollector()
        _compare_statuses(out, key, base[key], new[key])
        for status in sorted(base[key].bodies.keys() & new[key].bodies.keys()):
            _compare_bodies(out, key, status, base[key].bodies[status], new[key].bodies[status])
        for status in sorted(base[key].headers.keys() & new[key].headers.keys()):
            compare_recorded_headers(out, key, status, (base[key].headers[status], new[key].headers[status]))
        beta = base[key].beta or new[key].beta
        findings.extend(apply_policy(out.findings, beta=beta, policy=policy, severities=severities))
    for finding in violations.findings():
        beta = finding.operation in new and new[finding.operation].beta
        findings.extend(apply_policy([finding], beta=beta, policy=policy, severities=severities))
    return sort_findings(findings)
