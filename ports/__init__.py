"""Ports: the interfaces the use cases need, as typing.Protocol. Adapters implement them."""
