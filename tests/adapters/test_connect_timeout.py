"""A Postgres that accepts the connection but never answers (a hung server, a half-dead
route) fails a connect after the engine's connect timeout, so requests get 503 instead of
hanging."""

from __future__ import annotations

import socket
import threading
import time

from sqlalchemy.exc import OperationalError

from adapters.sqlalchemy.engine import CONNECT_TIMEOUT_S, make_engine

GENEROUS = 30.0  # far below libpq's wait without a timeout (for ever), far above 3 s


def test_a_server_that_never_answers_fails_the_connect_in_seconds() -> None:
    with socket.socket() as mute:  # accepts (the kernel's backlog), never speaks
        mute.bind(("127.0.0.1", 0))
        mute.listen(8)
        port = mute.getsockname()[1]
        engine = make_engine(f"postgresql://nobody@127.0.0.1:{port}/x")
        outcome: list[object] = []

        def connect() -> None:
            started = time.monotonic()
            try:
                engine.connect()
            except OperationalError as error:
                outcome.append((error, time.monotonic() - started))

        worker = threading.Thread(target=connect, daemon=True)
        worker.start()
        worker.join(GENEROUS)
        engine.dispose()
    assert outcome, "the connect was still waiting"
    [(error, took)] = outcome
    assert took >= CONNECT_TIMEOUT_S - 1
    assert "timeout" in str(error).lower()
