"""The composition root and SECURECHAT_REDIS_URL: without it, one process with its state
in memory and no Redis adapter loaded; with it, a Redis it cannot reach is one line."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from entrypoints.common.bootstrap import StartupError, build_core
from entrypoints.common.settings import Settings

SECRET = "s" * 40


def test_without_redis_the_state_is_in_memory_and_no_redis_adapter_is_loaded(
    tmp_path: Path,
) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from entrypoints.common.bootstrap import build_core\n"
        "from entrypoints.common.settings import Settings\n"
        f"core = build_core(Settings(database_url='memory://', data_dir=Path({str(tmp_path)!r}),"
        f" jwt_secret={SECRET!r}))\n"
        "print(type(core.deps.presence).__name__, type(core.limiter).__name__,"
        " any(m.startswith('adapters.redis') for m in sys.modules))\n"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["MemoryPresenceStore", "MemoryRateLimiter", "False"]


def test_an_unreachable_redis_stops_the_start_in_one_line_without_its_password(
    tmp_path: Path,
) -> None:
    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = Settings(
        database_url="memory://",
        data_dir=tmp_path,
        jwt_secret=SECRET,
        redis_url=f"redis://:hunter2@127.0.0.1:{port}/0",
    )
    with pytest.raises(StartupError) as refused:
        build_core(settings)
    message = str(refused.value)
    assert message.startswith(f"cannot reach redis at redis://127.0.0.1:{port}/0")
    assert "hunter2" not in message and "\n" not in message
