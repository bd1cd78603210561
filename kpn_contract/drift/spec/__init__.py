"""The spec diff: spec against spec (``specdiff``), operation by operation (``operationdiff``),
schema by schema (``schemaview`` flattens, ``schemadiff`` walks), security schemes
(``securitydiff``), and ``rules/``, the one registry of drift rules. May import contract, the
shared findings of ``drift/`` and the root.
"""
