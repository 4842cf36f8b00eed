"""Secrets generated once into the data directory, owner-only, and refused if exposed."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path


class InsecureKeyFile(RuntimeError):
    """A key file (or its folder) can be read or written by others."""


def load_or_create(path: Path, generate: Callable[[], str]) -> str:
    """The key stored at `path`, generating it (mode 0600, folder 0700) the first time."""
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise InsecureKeyFile(f"{folder} is writable by others; run: chmod 700 {folder}")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = path.stat().st_mode
        if mode & 0o077:
            raise InsecureKeyFile(
                f"{path} is accessible by others (mode {stat.filemode(mode)}); run: chmod 600 {path}"
            ) from None
        value = path.read_text(encoding="ascii").strip()
        if not value:
            raise InsecureKeyFile(f"{path} is empty; remove it to generate a new key") from None
        return value
    value = generate()
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return value
