"""A built wheel carries the built web page, so that installing a release needs no Node."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from entrypoints.common import web_page

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_carries_every_file_of_the_built_page(tmp_path: Path) -> None:
    assert web_page.built(), "the web page is not built: run `.venv/bin/securechat build-web`"
    done = subprocess.run(  # noqa: S603 - pip on our own tree
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for asset in web_page.ASSETS:
        assert f"entrypoints/web/dist/{asset.name}" in names, asset.name
    # Sources and npm's own tree stay out of it.
    assert not any("node_modules" in name or "/web/src/" in name for name in names)
