"""The migration report (``diff OLD NEW --map MAP``): the map of old → new operations (``maps``)
and, for each pair, what a consumer must change (``migrate``). May import the spec diff, contract,
the shared findings of ``drift/`` and the root.
"""
