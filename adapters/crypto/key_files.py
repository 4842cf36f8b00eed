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


def read_keys(path: Path) -> list[str]:
    """The keys a key file holds, one a line (the first is the primary), checked as
    `load_or_create` checks them: owner-only, text, not empty."""
    return load_or_create(path, _never).split()


def _never() -> str:
    raise KeyFileError("no key file to read: run the server once, or restore it")


def write_keys(path: Path, keys: list[str]) -> None:
    """Replace the key file whole (mode 0600) with `keys`, one a line: a reader sees the
    old file or the new one, never a part (a new file, renamed into place)."""
    if not keys:
        raise KeyFileError(f"{path} would hold no key")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write("".join(key + "\n" for key in keys))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


class WatchedKeyFile:
    """A key file a running server follows: `changed()` re-reads it only when it was replaced
    or touched since the last look (one stat)."""

    # So that `securechat keys ...` reaches servers already running, without a restart.

    def __init__(self, path: Path, keys: list[str]) -> None:
        self._path = path
        self._name = str(path)  # os.stat on a str: the cheapest look, made before each use
        self._seen = self._signature()
        self._keys = keys

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            found = os.stat(self._name)
        except OSError:
            return None
        return (found.st_ino, found.st_mtime_ns, found.st_size)

    def changed(self) -> list[str] | None:
        """The file's keys if it changed since the last call, else None. A file that cannot
        be used (gone, exposed, empty) keeps the keys in use: the next start reports it."""
        seen = self._signature()
        if seen == self._seen or seen is None:
            return None
        self._seen = seen
        try:
            keys = read_keys(self._path)
        except (KeyFileError, OSError):
            return None
        if keys == self._keys:
            return None
        self._keys = keys
        return keys
