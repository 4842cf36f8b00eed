"""Operational metrics (GET /metrics): what the entrypoints count, and who may read them.

Counting is on the hot path, on an event loop too: an implementation must only note the
fact there (no lock, no I/O) and do the rest in `flush`, which a worker calls (the
once-a-second sweep, a scrape)."""

from __future__ import annotations

from typing import Protocol


class Metrics(Protocol):
    def event(self, name: str) -> None:
        """A socket event of the table arrived (`name`: message, join, typing...)."""
        ...

    def message(self, via: str, seconds: float) -> None:
        """A message was stored and acknowledged `seconds` after it arrived (`via`: socket
        or rest)."""
        ...

    def refused(self, code: str, surface: str) -> None:
        """An answer refused with error `code` (`surface`: http, socket, connect)."""
        ...

    def database_error(self) -> None:
        """The database could not be reached for a unit of work."""
        ...

    def census(self, connections: int, joined_rooms: int) -> None:
        """This process's live sockets and their joined rooms, now."""
        ...

    def flush(self) -> None:
        """Publish what was noted (in a worker, never on an event loop)."""
        ...

    def admits(self, client: str, bearer: str | None) -> bool:
        """Whether a scrape from address `client`, with this bearer token, may read them."""
        ...

    def exposition(self) -> tuple[bytes, str]:
        """Every metric (of every process, in multiprocess mode) and its content type."""
        ...


class NoMetrics:
    """Counts nothing and admits no one (tests of the use cases, tools)."""

    def event(self, name: str) -> None:
        pass

    def message(self, via: str, seconds: float) -> None:
        pass

    def refused(self, code: str, surface: str) -> None:
        pass

    def database_error(self) -> None:
        pass

    def census(self, connections: int, joined_rooms: int) -> None:
        pass

    def flush(self) -> None:
        pass

    def admits(self, client: str, bearer: str | None) -> bool:
        return False

    def exposition(self) -> tuple[bytes, str]:
        return b"", "text/plain"
