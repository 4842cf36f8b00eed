"""A redis-server of a test's own, on a free loopback port, that the test may stop: the
shared Redis is never stopped (other workers' tests use it)."""

from __future__ import annotations

import shutil
import socket
import subprocess
from pathlib import Path

from tests.contract.harness import wait_until


class PrivateRedis:
    """A redis-server of this test's own, on a free loopback port, that it may stop."""

    def __init__(self, directory: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._proc: subprocess.Popen[bytes] | None = None

    def start(self) -> PrivateRedis:
        server = shutil.which("redis-server")
        assert server is not None
        self._proc = subprocess.Popen(  # noqa: S603 - a fixed local binary
            [
                server,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_until(self._answers, timeout=10), "the private redis did not start"
        return self

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait(timeout=10)
