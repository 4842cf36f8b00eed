"""Start the servers under test: pinned to one core, ready when they print their URL."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

READY = re.compile(r"serving ([\w-]+) on http://([\d.]+):(\d+)")
ROOT = Path(__file__).resolve().parents[1]
# Read once, before the load generator pins itself: afterwards it would see only its own core.
CPUS = sorted(os.sched_getaffinity(0))


def cpu_sets() -> tuple[set[int], set[int]]:
    """(server cores, load-generator cores): one core each when there are two or more."""
    cpus = CPUS
    if len(cpus) >= 2:
        return {cpus[0]}, {cpus[1]}
    return set(cpus), set(cpus)


class Server:
    def __init__(
        self, argv: list[str], env: dict[str, str], label: str, cpus: set[int] | None = None
    ) -> None:
        self.label = label
        server_cpus = cpus or cpu_sets()[0]
        if shutil.which("taskset") and len(CPUS) >= 2:
            argv = ["taskset", "-c", ",".join(map(str, sorted(server_cpus))), *argv]
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("SECURECHAT_")}
        full_env.update(env)
        self.proc = subprocess.Popen(  # noqa: S603
            argv, cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        line = self._first_line(60)
        match = READY.search(line)
        if not match:
            self.stop()
            stderr = self.proc.stderr.read() if self.proc.stderr else ""
            raise RuntimeError(f"{label} did not start: {line!r} {stderr[-2000:]}")
        self.host, self.port = match.group(2), int(match.group(3))
        threading.Thread(target=self._drain, args=(self.proc.stdout,), daemon=True).start()
        self.stderr_lines: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()

    def _first_line(self, timeout: float) -> str:
        out: list[str] = []
        stdout = self.proc.stdout
        assert stdout is not None  # opened with stdout=PIPE
        reader = threading.Thread(target=lambda: out.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        return out[0] if out else ""

    @staticmethod
    def _drain(stream: object) -> None:
        for _ in stream:  # type: ignore[attr-defined]
            pass

    def _collect(self) -> None:
        for line in self.proc.stderr:  # type: ignore[union-attr]
            self.stderr_lines.append(line)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss_kib(self) -> int:
        with open(f"/proc/{self._server_pid()}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def cpu_seconds(self) -> float:
        with open(f"/proc/{self._server_pid()}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _server_pid(self) -> int:
        # taskset execs the server in place, so the pid is the server's own.
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def tracebacks(self) -> int:
        return sum(1 for line in self.stderr_lines if line.startswith("Traceback"))


# Every fanout room's clients share one token, so one identity sends the whole room's load
# (hundreds to thousands of messages a second): the per-identity rules are raised in every
# server the bench starts (docs/performance.md, Method).
BENCH_IDENTITY_LIMITS = (
    "message_user=1000000/10 seconds;event_user=1000000/10 seconds;"
    "connect_user=1000000/minute;connect_ip=1000000/minute"
)
BENCH_RATE_LIMITS = ";".join(
    [
        f"{rule}=1000000/minute"
        for rule in ("password_ip", "password_room_ip", "password_room", "signup_ip", "login_ip")
    ]
    + [BENCH_IDENTITY_LIMITS]
)

# The churn row: every limit as in the bench but the churning identity's connects, which
# keep their default (the listeners all connect from the load generator's one address, so
# connect_ip stays raised).
CHURN_RATE_LIMITS = BENCH_RATE_LIMITS + ";connect_user=30/minute"


# `python -m bench --database URL`: every server under test stores there (migrated on
# start) instead of a fresh SQLite file in its data directory.
DATABASE_URL: str | None = None


def securechat(
    runtime: str,
    data_dir: Path,
    extra_env: dict[str, str] | None = None,
    cpus: set[int] | None = None,
) -> Server:
    env = {
        "SECURECHAT_LOG_LEVEL": "WARNING",
        # The password-pressure scenarios measure argon2's cost, the connection ramp makes a
        # hundred rooms from one address: password and sign-up limits are raised for them,
        # and the per-identity ones for the fanout (docs/performance.md, Method). Every other
        # limit keeps its default. The guessing row passes BENCH_IDENTITY_LIMITS alone.
        "SECURECHAT_RATE_LIMITS": BENCH_RATE_LIMITS,
        # A fanout room's clients share one token and one address: no cap on live sockets.
        "SECURECHAT_MAX_SOCKETS_PER_IDENTITY": "1000000",
        "SECURECHAT_MAX_SOCKETS_PER_ADDRESS": "1000000",
        **(extra_env or {}),
    }
    if DATABASE_URL:
        env.update({"SECURECHAT_DATABASE_URL": DATABASE_URL, "SECURECHAT_AUTO_MIGRATE": "true"})
    argv = [
        sys.executable,
        "-m",
        "entrypoints.cli",
        "serve",
        "--runtime",
        runtime,
        "--port",
        "0",
        "--data-dir",
        str(data_dir),
    ]
    return Server(argv, env, f"securechat-{runtime}", cpus)


def bare(runtime: str) -> Server:
    script = ROOT / "bench" / f"bare_{runtime}.py"
    return Server([sys.executable, str(script)], {"PYTHONPATH": str(ROOT)}, f"bare-{runtime}")


def wait_for(predicate: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False
