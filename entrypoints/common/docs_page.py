"""The human docs page at /docs: Swagger UI over /openapi.json, every file served by us.

The page and its init.js are ours (docs_files/); Swagger UI's script and styles come from
the `flask-swagger-ui` distribution installed from PyPI (its `dist/` folder, found without
importing the package, which would import Flask). No CDN: the page's Content-Security-Policy
allows scripts, styles and requests from this origin only, and no inline script.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from entrypoints.common.static_files import Asset, Loaded, read

OURS = Path(__file__).with_name("docs_files")
SWAGGER_UI_PACKAGE = "flask_swagger_ui"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


ASSETS: tuple[Asset, ...] = (
    Asset("index.html", "/docs", "docs", "text/html", "The API's docs page (Swagger UI)."),
    Asset("init.js", "/docs/init.js", "docs_init", "text/javascript", "The docs page's script."),
    Asset(
        "swagger-ui-bundle.js",
        "/docs/swagger-ui-bundle.js",
        "docs_swagger_ui_js",
        "text/javascript",
        "Swagger UI's script, as installed from PyPI.",
    ),
    Asset(
        "swagger-ui.css",
        "/docs/swagger-ui.css",
        "docs_swagger_ui_css",
        "text/css",
        "Swagger UI's styles, as installed from PyPI.",
    ),
)
BY_NAME = {asset.name: asset for asset in ASSETS}
OUR_FILES = frozenset({"index.html", "init.js"})  # in docs_files/; the rest are Swagger UI's


def swagger_ui_dir() -> Path:
    """Swagger UI's files in the installed distribution."""
    spec = importlib.util.find_spec(SWAGGER_UI_PACKAGE)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"{SWAGGER_UI_PACKAGE} is not installed: pip install -e .")
    return Path(spec.origin).parent / "dist"


def asset(name: str) -> Loaded:
    """A docs file and its headers, read once."""
    item = BY_NAME[name]
    folder = OURS if item.name in OUR_FILES else swagger_ui_dir()
    loaded = read(folder, item, CSP)
    if loaded is None:
        raise RuntimeError(f"{folder / item.name} is missing: pip install -e .")
    return loaded
