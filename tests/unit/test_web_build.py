"""entrypoints/web_build.py: Node is checked before anything runs, and its absence is said
in words."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from entrypoints import web_build
from entrypoints.web_build import BuildError, check_node


def _fake_node(folder: Path, version: str) -> None:
    for name, text in (("node", f"echo {version}"), ("npm", "exit 0")):
        script = folder / name
        script.write_text(f"#!/bin/sh\n{text}\n")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_without_node_the_build_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BuildError) as missing:
        check_node()
    assert "Node.js 18 or newer" in str(missing.value)
    assert "node was not found" in str(missing.value)


def test_an_old_node_is_refused_by_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_node(tmp_path, "v16.20.0")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/bin")
    with pytest.raises(BuildError) as old:
        check_node()
    assert "found Node.js 16" in str(old.value)


def test_a_recent_node_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_node(tmp_path, "v20.11.1")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/bin")
    node, npm = check_node()
    assert Path(node).parent == tmp_path and Path(npm).parent == tmp_path
    assert web_build.node_version(node) == 20
