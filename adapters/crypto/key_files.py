"""Secrets generated once into the data directory, owner-only, and refused if exposed."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path


class KeyFileError(RuntimeError):
    """A key file cannot be used as it is; the message says what to do."""


class InsecureKeyFile(KeyFileError):
    """A key file (or its folder) can be read or written by others."""


def load_or_create(path: Path, generate: Callable[[], str]) -> str:
    """The key stored at `path`, generating it (mode 0600, folder 0700) the first time."""
    folder = path.parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if folder.stat().st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise InsecureKeyFile(f"{folder} is writable by others; run: chmod 700 {folder}")
    if not path.exists():
        _publish(path, generate())
    mode = path.stat().st_mode
    if mode & 0o077:
        raise InsecureKeyFile(
            f"{path} is accessible by others (mode {stat.filemode(mode)}); run: chmod 600 {path}"
        )
    try:
        value = path.read_text(encoding="ascii").strip()
    except UnicodeDecodeError:
        raise KeyFileError(
            f"{path} is not a text key; restore it, or remove it to generate a new key"
        ) from None
    if not value:
        raise InsecureKeyFile(f"{path} is empty; remove it to generate a new key")
    return value


def _publish(path: Path, value: str) -> None:
    """Write the key whole to a private temp file, then link it into place atomically."""
    # A crash leaves at worst a stray temp file, never an empty key; when two processes race,
    # the first link wins and both read the same key.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(value + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
