"""`securechat build-web`: install the page's npm dependencies (from its lock file) and
build it into entrypoints/web/dist, which both runtimes serve at / (common/web_page.py).

Node.js 18+ with npm is a prerequisite of building the page, and of nothing else: without
it the command says so in words (and, with `--if-node`, lets the setup go on: the API
works without the page).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

WEB = Path(__file__).resolve().parent / "web"
MIN_NODE = 18


class BuildError(Exception):
    """Why the page could not be built, in words for the person at the terminal."""


def node_version(node: str) -> int | None:
    """Node's major version, or None when it does not answer."""
    try:
        out = subprocess.run(  # noqa: S603
            [node, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except OSError:
        return None
    match = re.match(r"v(\d+)\.", out.strip())
    return int(match.group(1)) if match else None


def check_node() -> tuple[str, str]:
    """The paths of node and npm, or BuildError saying what is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise BuildError(
            f"building the web page needs Node.js {MIN_NODE} or newer with npm, and "
            f"{'node' if node is None else 'npm'} was not found on PATH: install Node.js "
            "(https://nodejs.org, or your system's nodejs and npm packages) and run "
            "`securechat build-web` again"
        )
    major = node_version(node)
    if major is None or major < MIN_NODE:
        found = f"Node.js {major}" if major else "a Node.js that does not tell its version"
        raise BuildError(f"building the web page needs Node.js {MIN_NODE} or newer; found {found}")
    return node, npm


def build(web: Path = WEB) -> Path:
    """`npm ci` (exactly the lock file's versions) and the build; returns dist/."""
    _, npm = check_node()
    for step in (["ci", "--no-audit", "--no-fund"], ["run", "build"]):
        done = subprocess.run([npm, *step], cwd=web, check=False)  # noqa: S603
        if done.returncode != 0:
            raise BuildError(f"`npm {' '.join(step)}` failed in {web} (exit {done.returncode})")
    return web / "dist"
