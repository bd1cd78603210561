"""Composition: ``KPNSession`` builds clients from profile → token → transport → validation →
cassettes, for sync and async clients, with the run contexts (emulator, one test's cassette).

May import the domains, transport, config and the root; only the front doors import it.
"""
