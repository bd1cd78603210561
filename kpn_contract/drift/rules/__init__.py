"""Rule families of the spec diff (operation level); the registry is assembled in ``findings``."""
