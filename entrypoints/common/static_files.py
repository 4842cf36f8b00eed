"""Files served as they are, from a table of assets: the docs page (docs_page.py) and the
chat page (web_page.py). Each file is one route of `routes.ROUTES`, read from disk once,
sent with its type and its page's Content-Security-Policy."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Asset:
    """One file of a page: its name where it lies, the URL rule it is served at, its route's
    endpoint, its media type and what the OpenAPI document says of it."""

    name: str
    path: str
    endpoint: str
    media_type: str
    summary: str


@dataclass(frozen=True, slots=True)
class Loaded:
    content: bytes
    headers: tuple[tuple[str, str], ...]


@functools.cache
def read(folder: Path, asset: Asset, csp: str) -> Loaded | None:
    """The file and its headers, read once; None when it is not there."""
    path = folder / asset.name
    if not path.is_file():
        return None
    headers = (
        ("Content-Type", f"{asset.media_type}; charset=utf-8"),
        ("Content-Security-Policy", csp),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-cache"),
    )
    return Loaded(path.read_bytes(), headers)
