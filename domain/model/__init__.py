"""The chat domain: entities, values, access policies, errors and events. Pure Python, no I/O."""
