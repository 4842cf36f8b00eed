"""Each runtime's seams.py names every library internal it stands on, and each row's
library attributes and test exist: when a library moves, the row names what moved."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

from entrypoints.common.seams import LibraryMoved, Seam, build_websockets_with, require
from entrypoints.flask import seams as flask_seams
from entrypoints.flask import transport as flask_transport
from entrypoints.quart import seams as quart_seams
from entrypoints.quart import transport as quart_transport

ROOT = Path(__file__).resolve().parents[3]
ROWS = [
    pytest.param(seam, id=f"{runtime}:{getattr(seam.ours, '__name__', seam.ours)}")
    for runtime, table in (("flask", flask_seams.SEAMS), ("quart", quart_seams.SEAMS))
    for seam in table
]


def _resolve(dotted: str) -> object:
    """`a.b.C.d`: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            found = getattr(found, name)
        return found
    raise ImportError(dotted)


@pytest.mark.parametrize("seam", ROWS)
def test_every_library_attribute_a_seam_names_still_exists(seam: Seam) -> None:
    for dotted in seam.theirs:
        try:
            _resolve(dotted)
        except (ImportError, AttributeError) as error:
            pytest.fail(f"{dotted} moved ({error}): {seam.ours!r} stands on it, see {seam.test}")


@pytest.mark.parametrize("seam", ROWS)
def test_every_seam_names_a_test_that_exists(seam: Seam) -> None:
    path, _, name = seam.test.partition("::")
    tree = ast.parse((ROOT / path).read_text())
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    assert name in defined, f"{seam.test} does not exist"


@pytest.mark.parametrize(
    ("module", "table"),
    [(flask_transport, flask_seams.SEAMS), (quart_transport, quart_seams.SEAMS)],
    ids=["flask", "quart"],
)
def test_every_guard_of_a_transport_module_is_a_row_of_its_table(
    module: ModuleType, table: tuple[Seam, ...]
) -> None:
    listed = {seam.ours for seam in table}
    guards = [
        obj
        for name, obj in vars(module).items()
        if inspect.isclass(obj) and obj.__module__ == module.__name__ and name[0] != "_"
    ]
    assert guards and not [g.__name__ for g in guards if g not in listed]


def test_require_names_what_moved() -> None:
    require(True, "anything")
    with pytest.raises(LibraryMoved, match="engineio.Server._async"):
        require(False, "engineio.Server._async")


def test_an_engineio_without_its_per_server_websocket_table_stops_the_server() -> None:
    with pytest.raises(LibraryMoved, match="_async"):
        build_websockets_with(SimpleNamespace(), object)
    eio = SimpleNamespace(_async={"websocket": None, "queue": list})
    build_websockets_with(eio, dict)
    assert eio._async == {"websocket": dict, "queue": list}
