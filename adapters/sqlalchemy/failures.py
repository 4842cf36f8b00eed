"""What a database failure means, in one line: at start (a wrong URL, a missing driver, a
server that does not answer) and while serving (the server went away: `Unavailable`, logged
once per outage by `OutageLog`)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)

from domain.model.errors import Unavailable

log = logging.getLogger("securechat.storage")

# The driver each backend's URL loads by default (sqlite's is the standard library's).
_DRIVER_PACKAGES = {"postgresql": "'secure-chat-api[postgres]' (psycopg 3)"}


def safe_url(url: str) -> str:
    """The URL with its password hidden, or a placeholder if it does not parse."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparsable URL)"


def first_line(error: BaseException) -> str:
    """An exception's message, first line only (drivers add hints and SQL on later lines)."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    text = str(cause).strip().splitlines()
    return text[0].strip() if text else type(cause).__name__


def is_outage(error: BaseException) -> bool:
    """The database cannot be reached or dropped the connection (not a query's own fault)."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, (OperationalError, InterfaceError)) and not _is_sqlite_busy(error)


def _is_sqlite_busy(error: BaseException) -> bool:
    # SQLite's "database is locked" is an OperationalError too, but the file is there.
    return "database is locked" in str(error)


def describe_startup_failure(url: str, error: BaseException) -> str | None:
    """One line saying why the database at `url` cannot be used, or None if `error` is not
    a failure of the database's address, driver or reachability."""
    if isinstance(error, NoSuchModuleError):
        scheme = url.split(":", 1)[0]
        return (
            f"the database URL names an unknown kind of database {scheme!r} "
            "(use sqlite:///PATH or postgresql://USER@HOST/DB)"
        )
    if isinstance(error, ArgumentError):  # after its subclass NoSuchModuleError
        return f"the database URL is not a database URL ({first_line(error)})"
    if isinstance(error, ImportError):
        try:
            backend = make_url(url).get_backend_name()
        except Exception:
            backend = url.split(":", 1)[0]
        package = _DRIVER_PACKAGES.get(backend, f"a driver for {backend}")
        missing = error.name or first_line(error)
        return (
            f"the database driver for {backend} is not installed ({missing}): pip install {package}"
        )
    if isinstance(error, DBAPIError):
        return f"cannot reach the database at {safe_url(url)}: {first_line(error)}"
    return None


def _nothing() -> None:
    pass


class OutageLog:
    """One line when the database goes away and one when it is back: never a traceback per
    request. Owned by the unit-of-work factory (per process, no module state)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self.on_failure: Callable[[], None] = _nothing  # counts each failure (metrics)

    @property
    def down(self) -> bool:
        return self._down_since is not None

    def failed(self, error: BaseException) -> Unavailable:
        """Note a failure; the error to raise instead of the driver's."""
        self.on_failure()
        with self._lock:
            if self._down_since is None:
                self._down_since = time.monotonic()
                log.error(
                    "database unavailable, answering 503 until it returns: %s", first_line(error)
                )
        return Unavailable("the database is unavailable; try again shortly")

    def succeeded(self) -> None:
        if self._down_since is None:  # the common case: no lock
            return
        with self._lock:
            if self._down_since is not None:
                lasted = time.monotonic() - self._down_since
                self._down_since = None
                log.warning("database available again after %.1f s", lasted)
