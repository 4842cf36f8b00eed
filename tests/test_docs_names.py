"""Docs cannot go stale on names: every backticked `module.name` or `Class.method` in docs/*.md
must still exist, in our code, a library we name, or the schema (`table.column`)."""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from adapters.sqlalchemy.tables import metadata

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
OURS = ("domain", "ports", "adapters", "entrypoints", "bench", "tests")
# A dotted name in backticks, optionally called: `a.b`, `A.b()`.
DOTTED = re.compile(r"`([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+)(?:\(\))?`")
# File names, hosts and extensions that read like dotted names.
NOT_CODE_SUFFIXES = frozenset(
    {"js", "mjs", "css", "html", "json", "md", "py", "toml", "yaml", "yml", "txt", "db", "sh"}
    | {"ini", "cfg", "lock", "gz", "png", "svg", "io", "com", "org", "net", "key", "conf"}
    | {"local", "example"}
)
# Names that are neither code nor schema, each with why it is in backticks.
NOT_CODE = {
    "gunicorn.socket",  # the WSGI environ key simple-websocket reads the raw socket from
    "websocket.http.response",  # an ASGI extension's name
}
# Library modules whose classes the docs name without their module.
LIBRARY_MODULES = (
    "engineio.socket",
    "engineio.async_socket",
    "engineio.async_drivers.asgi",
    "engineio.async_drivers._websocket_wsgi",
    "engineio.middleware",
    "socketio",
    "gevent.pywsgi",
    "uvicorn.protocols.http.httptools_impl",
    "uvicorn.protocols.websockets.websockets_sansio_impl",
    "uvicorn",
    "simple_websocket",
    "simple_websocket.ws",
    "cryptography.fernet",
)


def _import(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _set_in_init(cls: type, name: str) -> bool:
    """An instance attribute its __init__ sets (`self.events = ...`)."""
    try:
        source = inspect.getsource(cls.__init__)
    except (OSError, TypeError):
        return False
    return re.search(rf"\bself\.{name}\s*[:=]", source) is not None


def _walk(obj: Any, parts: list[str]) -> bool:
    for part in parts:
        if isinstance(obj, type) and _set_in_init(obj, part):
            return True
        if isinstance(obj, type) and part in getattr(obj, "__dataclass_fields__", {}):
            return True  # a dataclass field without a default has no class attribute
        if isinstance(obj, type) and part in getattr(obj, "__annotations__", {}):
            return True
        if not hasattr(obj, part):
            return False
        obj = getattr(obj, part)
    return True


@functools.cache
def _our_modules() -> dict[str, list[str]]:
    """Our modules by their last name: `admission` -> ["entrypoints.common.admission"]."""
    found: dict[str, list[str]] = {}
    for package in OURS:
        for path in (ROOT / package).rglob("*.py"):
            dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            dotted = dotted.removesuffix(".__init__")
            found.setdefault(dotted.rsplit(".", 1)[-1], []).append(dotted)
    return found


@functools.cache
def _our_classes() -> dict[str, list[str]]:
    """Where each class we define lives: `ServerBase` -> ["entrypoints.common.server_base"]."""
    found: dict[str, list[str]] = {}
    for module_names in _our_modules().values():
        for module in module_names:
            path = ROOT / (module.replace(".", "/") + ".py")
            if not path.exists():
                path = ROOT / module.replace(".", "/") / "__init__.py"
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ClassDef):
                    found.setdefault(node.name, []).append(module)
    return found


def _in_schema(parts: list[str]) -> bool:
    table = metadata.tables.get(parts[0])
    return table is not None and len(parts) == 2 and parts[1] in table.c


def exists(name: str) -> bool:
    parts = name.split(".")
    # 1. An importable module, then attributes: `domain.model`, `engineio.Server.on`.
    for cut in range(len(parts), 0, -1):
        module = _import(".".join(parts[:cut]))
        if module is not None:
            if _walk(module, parts[cut:]):
                return True
            break
    # 2. One of our modules by its last name(s): `admission.admit_event`, `common.seams.Seam`.
    for cut in range(len(parts) - 1, 0, -1):
        for candidate in _our_modules().get(parts[cut - 1], []):
            if candidate.endswith(".".join(parts[:cut])):
                module = _import(candidate)
                if module is not None and _walk(module, parts[cut:]):
                    return True
    # 3. A class (ours, or a library's): `ServerBase.view_steps`, `AsyncSocket.close`; a
    # lower-case instance name stands for its class (`deps.uow` is `Deps.uow`).
    head = parts[0]
    for class_name in {head, head[:1].upper() + head[1:]}:
        for module_name in (*_our_classes().get(class_name, []), *LIBRARY_MODULES):
            module = _import(module_name)
            if module is not None and _walk(module, [class_name, *parts[1:]]):
                return True
    # 4. A table's column: `messages.seq`.
    return _in_schema(parts)


def documented_names() -> list[tuple[str, str]]:
    names = set()
    for doc in DOCS:
        for match in DOTTED.finditer(doc.read_text()):
            name = match.group(1)
            if name.rsplit(".", 1)[1] in NOT_CODE_SUFFIXES or name in NOT_CODE:
                continue
            names.add((doc.name, name))
    return sorted(names)


def test_the_docs_name_dotted_names() -> None:
    assert len(documented_names()) > 50  # the pattern still finds what the docs hold


@pytest.mark.parametrize(("doc", "name"), documented_names())
def test_every_dotted_name_in_the_docs_exists(doc: str, name: str) -> None:
    assert exists(name), f"docs/{doc} names `{name}`, which no longer exists"


@pytest.mark.parametrize(
    "name",
    ["ServerBase.no_such_step", "http_api.ROUTES", "MemoryStore.drop_messages", "messages.nope"],
)
def test_a_name_that_is_gone_is_caught(name: str) -> None:
    assert not exists(name)
