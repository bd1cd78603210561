"""Recording drift: the shapes inferred from one set of recordings (``shapeinfer``, and documented
headers in ``headershapes``) compared with another's (``shapes``). May import cassettes, contract,
the shared findings of ``drift/`` and the root.
"""
