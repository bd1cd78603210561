"""The pytest front door: the plugin (entry point ``pytest11``), its settings, output and traffic.

``plugin.py`` holds the hooks and fixtures and imports only pytest at module level; the logic lives
in the layers. May import every layer below; nothing in kpn_contract imports it.
"""
