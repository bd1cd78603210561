"""The ``kpn-contract`` command line: the parser (``main.py``), one function per subcommand
(``commands.py``), and the two commands with logic of their own, ``init`` (``scaffold.py``, templates
in ``_scaffold/``) and ``access``. May import every layer below; nothing in kpn_contract imports it.
"""
