"""Run the real `securechat serve` in a subprocess on a free loopback port."""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path

READY = re.compile(r"serving (\w+) on (http://[\d.]+:\d+)")
START_DEADLINE_S = 60.0


class ServerFailed(RuntimeError):
    pass


UNLIMITED_ENOUGH = ";".join(
    f"{rule}=1000000/minute"
    for rule in (
        "password_ip",
        "password_room_ip",
        "password_room",
        "login_ip",
        "signup_ip",
        "message_user",
        "event_user",
        "connect_user",
        "connect_ip",
    )
)


# The tests' servers hash passwords with argon2id's smallest parameters (0.05 ms a hash, not
# OWASP's ~24 ms, which was a third of the servers' CPU over the suite), unless a test sets
# SECURECHAT_ARGON2_* itself: the tests of what hashing costs (test_password_work,
# test_event_loop_stall, test_admission's guessers) run the real profile. The defaults are
# OWASP's (tests/unit/common/test_settings.py, test_defaults).
CHEAP_HASHING = {"SECURECHAT_ARGON2_TIME_COST": "1", "SECURECHAT_ARGON2_MEMORY_KIB": "8"}


class ServerProcess:
    """One server; `stderr_text()` lets tests assert it never printed a traceback."""

    def __init__(
        self,
        runtime: str,
        data_dir: Path,
        database: str | None,
        env: Mapping[str, str] | None = None,
        port: int = 0,
    ) -> None:
        self.runtime = runtime
        self.port = port  # 0: a free one, kept across `restart`
        self.data_dir = data_dir
        self.database = database
        self.env = dict(env or {})
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None
        # Beside the data directory, not in it: the server creates that one itself.
        self._stderr_path = data_dir.parent / f"{data_dir.name}-stderr-{secrets.token_hex(4)}.log"

    @property
    def pid(self) -> int:
        """The server process's id (for /proc/<pid>/status)."""
        assert self._proc is not None, "the server is not running"
        return self._proc.pid

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "entrypoints.cli", "serve", "--runtime", self.runtime]
        cmd += ["--host", "127.0.0.1", "--port", str(self.port), "--data-dir", str(self.data_dir)]
        if self.database:
            cmd += ["--database", self.database]
        return cmd

    def start(self) -> ServerProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SECURECHAT_")}
        if not any(key.startswith("SECURECHAT_ARGON2_") for key in self.env):
            env.update(CHEAP_HASHING)
        env.update(
            {
                "SECURECHAT_LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
                # Every test of a module shares one server and one address: limits so high
                # that only the tests of the limits themselves (which set their own) meet one.
                "SECURECHAT_RATE_LIMITS": UNLIMITED_ENOUGH,
                # And the caps on live sockets likewise (tests of them set their own).
                "SECURECHAT_MAX_SOCKETS_PER_IDENTITY": "10000",
                "SECURECHAT_MAX_SOCKETS_PER_ADDRESS": "10000",
            },
            **self.env,
        )
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        stderr = self._stderr_path.open("a")
        self._proc = subprocess.Popen(  # noqa: S603 - our own CLI
            self.command(), stdout=subprocess.PIPE, stderr=stderr, text=True, env=env
        )
        stderr.close()
        line = self._read_ready_line()
        match = READY.search(line)
        if match is None:
            self.stop()
            raise ServerFailed(f"server did not start: {line!r}\n{self.stderr_text()}")
        self.url = match.group(2)
        self.port = int(self.url.rsplit(":", 1)[1])
        # Keep draining stdout so the server never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()
        return self

    def _read_ready_line(self) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        result: list[str] = []
        reader = threading.Thread(
            target=lambda: result.append(self._proc.stdout.readline()),  # type: ignore[union-attr]
            daemon=True,
        )
        reader.start()
        reader.join(START_DEADLINE_S)
        return result[0] if result else ""

    def _drain(self) -> None:
        proc = self._proc
        if proc is not None and proc.stdout is not None:
            for _ in proc.stdout:
                pass

    def stop(self) -> int | None:
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        return proc.returncode

    def kill(self) -> None:
        """SIGKILL: the process ends at once, nothing of it shut down cleanly (a crash)."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)

    def restart(self) -> ServerProcess:
        """Stop, then start again on the same port and data (what clients see as an outage)."""
        self.stop()
        return self.start()

    def stderr_text(self) -> str:
        return self._stderr_path.read_text() if self._stderr_path.exists() else ""


def run_cli(
    args: list[str], env: Mapping[str, str] | None = None, timeout: float = 60
) -> tuple[int, str]:
    """Run `securechat ARGS` to completion; exit code and combined output."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SECURECHAT_")}
    full_env.update(env or {})
    done = subprocess.run(  # noqa: S603 - our own CLI
        [sys.executable, "-m", "entrypoints.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )
    return done.returncode, done.stdout + done.stderr


def wait_until(predicate: object, timeout: float = 5.0, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(interval)
    return False
