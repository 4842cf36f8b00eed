"""Password work (argon2) never takes the turn of a token holder's requests.

No timing threshold: with hashes made slow on purpose, eight guesses are in flight when a
token holder reads history, and the read must come back while (nearly) all of them are
still waiting for their hashes, instead of queueing behind them.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx

from tests.contract.client import Api
from tests.contract.harness import ServerProcess, wait_until

GUESSERS = 8


def test_a_token_holder_is_served_while_guesses_wait_for_their_hashes(
    runtime: str, tmp_path: Path
) -> None:
    # About half a second per hash, two hash threads: eight guesses take seconds.
    env = {"SECURECHAT_ARGON2_TIME_COST": "30", "SECURECHAT_HASH_THREADS": "2"}
    server = ServerProcess(runtime, tmp_path / "data", "memory", env).start()
    try:
        api = Api(server.url)
        room, guessed = api.create_room(), api.create_room()
        assert api.post(room.room_id, room.admin_token, "hello").status_code == 201
        outstanding = [GUESSERS]
        lock = threading.Lock()

        def guess() -> None:
            with httpx.Client(base_url=server.url, timeout=60) as client:
                response = client.post(
                    f"/chat/{guessed.room_id}/verify", json={"password": "not the password"}
                )
            assert response.status_code == 401
            with lock:
                outstanding[0] -= 1

        threads = [threading.Thread(target=guess) for _ in range(GUESSERS)]
        for thread in threads:
            thread.start()
        wait_until(lambda: False, timeout=0.3)  # every guess has reached the server

        assert api.texts(room.room_id, room.admin_token) == ["hello"]
        with lock:
            still_waiting = outstanding[0]
        for thread in threads:
            thread.join(60)
        assert still_waiting >= GUESSERS - 2, (
            f"the read came back only after {GUESSERS - still_waiting} guesses were answered"
        )
        api.close()
    finally:
        server.stop()
    assert "Traceback" not in server.stderr_text()
