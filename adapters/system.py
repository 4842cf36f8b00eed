"""The system clock and id generation."""

from __future__ import annotations

import os
import secrets
import threading
import time


class SystemClock:
    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class UuidV7Generator:
    """RFC 9562 UUIDv7 with a 12-bit counter in rand_a, monotonic within the process."""

    def __init__(self, clock: SystemClock | None = None) -> None:
        self._clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._last_ms = 0
        self._counter = 0

    def message_id(self) -> str:
        with self._lock:
            ms = self._clock.now_ms()
            if ms > self._last_ms:
                self._last_ms, self._counter = ms, int.from_bytes(os.urandom(1)) & 0x3F
            else:
                self._counter += 1
                if self._counter > 0xFFF:  # counter exhausted: borrow the next millisecond
                    self._last_ms, self._counter = self._last_ms + 1, 0
            ms, counter = self._last_ms, self._counter
        rand_b = int.from_bytes(os.urandom(8)) & ((1 << 62) - 1)
        value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand_b
        # The canonical 8-4-4-4-12 form, without building a uuid.UUID (a hot path: every message).
        h = f"{value:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def incarnation(self) -> str:
        return self.message_id()

    def guest_id(self) -> str:
        return "g_" + secrets.token_urlsafe(12)

    def user_id(self) -> str:
        return "u_" + self.message_id()

    def refresh_family_id(self) -> str:
        return self.message_id()

    def refresh_token(self) -> str:
        return secrets.token_urlsafe(32)


class ProcessFiles:
    """This process's open file descriptors (Linux's /proc/self/fd, else /dev/fd) and its
    soft RLIMIT_NOFILE (ConnectionCaps keeps some of them in reserve)."""

    def __init__(self) -> None:
        self._dir = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"

    def count(self) -> int:
        try:
            return len(os.listdir(self._dir))
        except OSError:
            return self.limit()  # no descriptor left even to read the directory: full

    def limit(self) -> int:
        import resource  # POSIX only; imported here so that the module loads anywhere

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        return soft if soft != resource.RLIM_INFINITY else 1 << 20
