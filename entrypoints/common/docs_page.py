"""The human docs page at /docs: Swagger UI over /openapi.json, every file served by us.

The page and its init.js are ours (docs_files/); Swagger UI's script and styles come from
the `flask-swagger-ui` distribution installed from PyPI (its `dist/` folder, found without
importing the package, which would import Flask). No CDN: the page's Content-Security-Policy
allows scripts, styles and requests from this origin only, and no inline script.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

OURS = Path(__file__).with_name("docs_files")
SWAGGER_UI_PACKAGE = "flask_swagger_ui"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


@dataclass(frozen=True, slots=True)
class Asset:
    """One file of the docs page: where it is served, and whence it is read."""

    name: str  # the file's name where it lies
    path: str  # the URL rule
    endpoint: str
    media_type: str
    summary: str
    ours: bool  # in docs_files/, or else in Swagger UI's distribution


ASSETS: tuple[Asset, ...] = (
    Asset("index.html", "/docs", "docs", "text/html", "The API's docs page (Swagger UI).", True),
    Asset(
        "init.js", "/docs/init.js", "docs_init", "text/javascript", "The docs page's script.", True
    ),
    Asset(
        "swagger-ui-bundle.js",
        "/docs/swagger-ui-bundle.js",
        "docs_swagger_ui_js",
        "text/javascript",
        "Swagger UI's script, as installed from PyPI.",
        False,
    ),
    Asset(
        "swagger-ui.css",
        "/docs/swagger-ui.css",
        "docs_swagger_ui_css",
        "text/css",
        "Swagger UI's styles, as installed from PyPI.",
        False,
    ),
)
BY_NAME = {asset.name: asset for asset in ASSETS}


@dataclass(frozen=True, slots=True)
class Loaded:
    content: bytes
    headers: tuple[tuple[str, str], ...]


def swagger_ui_dir() -> Path:
    """Swagger UI's files in the installed distribution."""
    spec = importlib.util.find_spec(SWAGGER_UI_PACKAGE)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{SWAGGER_UI_PACKAGE} is not installed: pip install -e .")
    return Path(spec.origin).parent / "dist"


@functools.cache
def asset(name: str) -> Loaded:
    """A docs file and its headers, read once."""
    item = BY_NAME[name]
    folder = OURS if item.ours else swagger_ui_dir()
    content = (folder / item.name).read_bytes()
    headers = (
        ("Content-Type", f"{item.media_type}; charset=utf-8"),
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-cache"),
    )
    return Loaded(content, headers)
