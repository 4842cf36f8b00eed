"""STYLE.md: "Docstrings are one or two lines. Comments say why." Every function and class
docstring in the shipped packages holds to it; module docstrings may describe a design."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("domain", "ports", "adapters", "entrypoints", "bench")
MAX_LINES = 2

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def long_docstrings(source: str, name: str) -> Iterator[str]:
    """Yield `name:line Qualname (n lines)` for each function or class docstring over the limit."""

    def walk(node: ast.AST, prefix: str) -> Iterator[str]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, Definition):
                qualname = f"{prefix}{child.name}"
                doc = ast.get_docstring(child, clean=False)
                if doc is not None:
                    lines = len(inspect.cleandoc(doc).splitlines())
                    if lines > MAX_LINES:
                        yield f"{name}:{child.lineno} {qualname} ({lines} lines)"
                yield from walk(child, f"{qualname}.")
            else:
                yield from walk(child, prefix)

    yield from walk(ast.parse(source), "")


def test_the_checker_counts_lines_after_cleandoc_and_exempts_modules() -> None:
    source = '''"""A module docstring.

may run long.
"""
class Short:
    """One line."""

    def two(self) -> None:
        """First line,
        second line."""

class Long:
    def method(self) -> None:
        async def inner() -> None:
            """One.

            Three."""
'''
    assert list(long_docstrings(source, "m.py")) == ["m.py:14 Long.method.inner (3 lines)"]


def test_function_and_class_docstrings_are_at_most_two_lines() -> None:
    found = [
        hit
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for hit in long_docstrings(path.read_text(), str(path.relative_to(ROOT)))
    ]
    assert not found, f"{len(found)} docstrings over {MAX_LINES} lines:\n" + "\n".join(found)
