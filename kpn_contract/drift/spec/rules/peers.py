"""Our rules under other tools' names: oasdiff's rule ids mapped to ours, for a team moving over.

The ids are oasdiff's (https://github.com/oasdiff/oasdiff) as its checker declares them: the
``*Id`` constants of ``checker/check_*.go``, which also key ``checker/localizations_src/en/messages.yaml``
(read at commit 0001ef8e402d; the parameter serialisation ids from
``checker/check_request_parameter_serialization_updated.go`` at c48676e05148).
``tests/unit/drift/oasdiff_rule_ids.txt`` keeps that list and checks every id here against it.

The mapping is many to many: oasdiff names the place (body, property, parameter) and the edit
(added, removed, increased), where one of our rules names what a consumer meets, judged by direction.
A rule missing here has no oasdiff counterpart (``server.changed``, ``allowEmptyValue``, moved
parameters, closed ``items``/``additionalProperties``, ``not``, x-extensible-enum flags, webhook payloads).
Severities may differ: ours are argued in each rule's rationale (``docs/drift-rules.md``).
"""

from __future__ import annotations

__all__ = ["OASDIFF"]

# ``our.rule.id: oasdiff-id oasdiff-id …``; an indented line continues the rule above it.
_TABLE = """
path.removed: api-path-removed-without-deprecation
operation.removed: api-removed-without-deprecation
operation.added: endpoint-added
operation.deprecated: endpoint-deprecated endpoint-deprecated-with-sunset
operation.sunset: endpoint-deprecated-with-sunset api-sunset-date-changed-too-small
operation.removed-before-sunset: api-removed-before-sunset api-path-removed-before-sunset
operation.removed-after-sunset: api-removed-with-deprecation api-path-removed-with-deprecation
operation.deprecated-removed: api-removed-with-deprecation api-path-removed-with-deprecation
operation.lifecycle-invalid: api-invalid-stability-level api-deprecated-sunset-parse
operation.sunset-removed: sunset-deleted
operation.stability-lowered: api-stability-decreased
request.parameter.required-added: new-required-request-parameter new-request-path-parameter
    new-required-request-default-parameter-to-existing-path
request.parameter.became-required: request-parameter-became-required
request.parameter.removed: request-parameter-removed
request.parameter.type-changed: request-parameter-type-changed request-parameter-became-not-nullable
    request-parameter-list-of-types-narrowed request-parameter-property-type-changed
request.parameter.deprecated: request-parameter-deprecated
request.parameter.style-changed: request-parameter-style-changed
request.parameter.explode-changed: request-parameter-explode-changed
request.parameter.default-changed: request-parameter-default-value-changed
request.parameter.default-removed: request-parameter-default-value-removed
request.body.became-required: request-body-became-required request-body-added-required
request.media-type.removed: request-body-media-type-removed
request.media-type.changed: request-body-media-type-removed
request.body.removed: request-body-removed
request.media-type.added: request-body-media-type-added
response.media-type.added: response-media-type-added
response.status.removed: response-success-status-removed
response.status.added-error: response-non-success-status-added
response.status.added-success: response-success-status-added
response.error-status.removed: response-non-success-status-removed
response.media-type.removed: response-media-type-removed
response.media-type.changed: response-media-type-name-changed
response.header.removed: required-response-header-removed optional-response-header-removed
response.header.became-optional: response-header-became-optional
response.header.type-changed: response-header-type-changed
response.header.format-changed: response-header-type-changed
request.body.required-property-added: new-required-request-property
request.property.became-required: request-property-became-required
request.property.removed: request-property-removed
request.property.type-changed: request-property-type-changed request-body-type-changed
    request-property-became-not-nullable request-body-became-not-nullable
    request-property-list-of-types-narrowed
response.property.removed: response-required-property-removed response-optional-property-removed
response.property.became-optional: response-property-became-optional
response.property.type-changed: response-property-type-changed response-body-type-changed
response.property.became-nullable: response-property-became-nullable response-body-became-nullable
response.property.added: response-optional-property-added response-required-property-added
request.enum.value-removed: request-property-enum-value-removed request-parameter-enum-value-removed
    request-body-enum-value-removed request-property-became-enum request-parameter-became-enum
    request-body-became-enum
response.enum.value-added: response-property-enum-value-added
response.enum.value-removed: response-property-enum-value-removed
    response-mediatype-enum-value-removed
request.extensible-enum.value-removed: request-property-x-extensible-enum-value-removed
    request-parameter-x-extensible-enum-value-removed
request.value-range.narrowed: request-property-max-decreased request-property-min-increased
    request-parameter-max-decreased request-parameter-min-increased request-body-max-decreased
    request-body-min-increased request-property-max-set request-property-min-set
    request-parameter-max-set request-parameter-min-set request-property-exclusive-min-increased
    request-property-exclusive-max-decreased
request.length.narrowed: request-property-max-length-decreased request-property-min-length-increased
    request-parameter-max-length-decreased request-parameter-min-length-increased
    request-body-max-length-decreased request-property-max-length-set
    request-parameter-max-length-set
request.item-count.narrowed: request-property-max-items-decreased
    request-property-min-items-increased request-parameter-max-items-decreased
    request-parameter-min-items-increased request-property-min-items-set
    request-property-max-items-set
request.property-count.narrowed: request-property-max-properties-decreased
    request-property-min-properties-increased request-body-max-properties-decreased
    request-property-max-properties-set
request.multiple-of.changed: request-property-multiple-of-set request-property-multiple-of-changed
    request-body-multiple-of-set request-body-multiple-of-changed
request.unique-items.added: request-property-unique-items-set request-body-unique-items-set
request.pattern.changed: request-property-pattern-added request-property-pattern-changed
    request-parameter-pattern-added request-parameter-pattern-changed
request.format.changed: request-property-type-changed request-parameter-type-changed
response.value-range.widened: response-property-max-increased response-property-min-decreased
    response-body-max-increased response-body-min-decreased
    response-property-exclusive-max-increased response-property-exclusive-min-decreased
response.length.widened: response-property-max-length-increased response-property-max-length-unset
    response-property-min-length-decreased response-body-max-length-increased
response.item-count.widened: response-property-min-items-decreased response-property-min-items-unset
    response-property-max-items-increased response-body-min-items-decreased
response.property-count.widened: response-property-max-properties-increased
    response-property-min-properties-decreased
response.multiple-of.changed: response-property-multiple-of-changed
    response-property-multiple-of-unset
response.unique-items.removed: response-property-unique-items-unset response-body-unique-items-unset
response.pattern.changed: response-property-pattern-changed response-property-pattern-removed
response.format.changed: response-property-type-changed
request.composition.branch-removed: request-property-one-of-removed request-property-any-of-removed
    request-body-one-of-removed request-body-any-of-removed
request.composition.wrapped-in-one-of: request-body-wrapped-in-one-of
    request-body-wrapped-in-one-of-original-preserved
response.composition.branch-added: response-property-one-of-added response-property-any-of-added
    response-body-one-of-added response-body-any-of-added response-body-wrapped-in-one-of
    response-body-wrapped-in-one-of-original-preserved
response.composition.branch-removed: response-property-one-of-removed response-body-one-of-removed
    response-property-any-of-removed response-body-any-of-removed
request.all-of.part-added: request-property-all-of-added request-body-all-of-added
request.discriminator.property-changed: request-body-discriminator-property-name-changed
    request-property-discriminator-property-name-changed
response.discriminator.property-changed: response-body-discriminator-property-name-changed
    response-property-discriminator-property-name-changed
request.discriminator.mapping-removed: request-body-discriminator-mapping-deleted
    request-property-discriminator-mapping-deleted
response.discriminator.mapping-added: response-body-discriminator-mapping-added
    response-property-discriminator-mapping-added
response.discriminator.mapping-removed: response-body-discriminator-mapping-deleted
    response-property-discriminator-mapping-deleted
request.discriminator.mapping-changed: request-body-discriminator-mapping-changed
    request-property-discriminator-mapping-changed
response.discriminator.mapping-changed: response-body-discriminator-mapping-changed
    response-property-discriminator-mapping-changed
request.property.default-changed: request-property-default-value-changed
    request-body-default-value-changed
response.property.default-changed: response-property-default-value-changed
    response-property-default-value-removed response-body-default-value-changed
request.const.changed: request-property-const-changed request-body-const-changed
request.const.added: request-property-const-added request-body-const-added
request.const.removed: request-property-const-removed request-body-const-removed
request.prefix-items.position-added: request-property-prefix-items-added
    request-body-prefix-items-added
response.const.changed: response-property-const-changed response-body-const-changed
response.const.added: response-property-const-added response-body-const-added
response.const.removed: response-property-const-removed response-body-const-removed
response.prefix-items.position-removed: response-property-prefix-items-removed
    response-body-prefix-items-removed
request.unevaluated-items.closed: request-property-unevaluated-items-added
    request-body-unevaluated-items-added
response.unevaluated-items.opened: response-property-unevaluated-items-removed
    response-body-unevaluated-items-removed
request.contains.changed: request-property-contains-added request-body-contains-added
    request-property-min-contains-increased request-property-max-contains-decreased
response.contains.changed: response-property-contains-removed response-body-contains-removed
    response-property-min-contains-decreased response-property-max-contains-increased
request.conditional.changed: request-body-if-added request-body-then-added request-body-else-added
    request-property-if-added request-property-then-added request-property-else-added
response.conditional.changed: response-body-if-removed response-body-then-removed
    response-body-else-removed response-property-if-removed response-property-then-removed
    response-property-else-removed
request.string-content.changed: request-property-content-media-type-changed
    request-property-content-encoding-changed request-body-content-media-type-changed
    request-body-content-encoding-changed
response.string-content.changed: response-property-content-media-type-changed
    response-property-content-encoding-changed response-body-content-media-type-changed
    response-body-content-encoding-changed
request.dependent-required.added: request-body-dependent-required-added
    request-property-dependent-required-added
response.dependent-required.removed: response-body-dependent-required-removed
    response-property-dependent-required-removed
request.dependent-schemas.changed: request-body-dependent-schema-added
    request-property-dependent-schema-added
response.dependent-schemas.changed: response-body-dependent-schema-removed
    response-property-dependent-schema-removed
request.unevaluated-properties.closed: request-body-unevaluated-properties-added
    request-property-unevaluated-properties-added
response.unevaluated-properties.opened: response-body-unevaluated-properties-removed
    response-property-unevaluated-properties-removed
request.property-names.changed: request-body-property-names-added
    request-property-property-names-added
response.property-names.changed: response-body-property-names-removed
    response-property-property-names-removed
request.pattern-properties.added: request-body-pattern-property-added
    request-property-pattern-property-added
response.pattern-properties.removed: response-body-pattern-property-removed
    response-property-pattern-property-removed
request.property.became-read-only: request-optional-property-became-read-only
    request-required-property-became-read-only
request.property.read-only-removed: request-required-property-became-not-read-only
response.property.became-write-only: response-required-property-became-write-only
    response-optional-property-became-write-only
security.scheme.changed: api-security-component-type-changed api-security-component-removed
security.token-url.changed: api-security-component-oauth-token-url-changed
security.oauth-url.changed: api-security-component-oauth-url-changed
security.scope.added: api-security-scope-added api-global-security-scope-added
security.scope.removed: api-security-scope-removed api-global-security-scope-removed
security.alternative.removed: api-security-removed api-global-security-removed
webhook.removed: webhook-removed
webhook.added: webhook-added
"""


def _parse(table: str) -> dict[str, tuple[str, ...]]:
    mapping: dict[str, list[str]] = {}
    rule = ""
    for line in table.splitlines():
        ids = line
        if line.strip() and not line.startswith(" "):
            rule, _, ids = line.partition(":")
            mapping[rule] = []
        if ids.strip():
            mapping[rule] += ids.split()
    return {key: tuple(ids) for key, ids in mapping.items()}


OASDIFF: dict[str, tuple[str, ...]] = _parse(_TABLE)
