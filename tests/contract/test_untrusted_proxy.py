"""A reverse proxy the operator forgot to trust (issue 20, production): its forwarded
headers are ignored as ever, and the server says so once in its log, naming the peer and
the setting, however many requests and sockets carry them; on both runtimes."""

from __future__ import annotations

import pytest

from tests.contract.client import PASSWORD, Api, new_room_id
from tests.contract.harness import ServerProcess, wait_until
from tests.contract.wire import RawSocketIO

WARNING = "forwarded headers from 127.0.0.1 are ignored"
# A server of its own: the warning is said once per process, and a shared server may have
# said it for another module already.
OWN_SERVER = True


@pytest.fixture(scope="module")
def storage() -> str:
    """The warning is the edge's: one storage is enough."""
    return "memory"


def test_forwarded_headers_from_an_untrusted_peer_are_warned_about_once(
    api: Api, server: ServerProcess
) -> None:
    room = api.create_room()
    assert WARNING not in server.stderr_text()  # nothing forwarded yet: nothing said
    for address in ("203.0.113.5", "198.51.100.7", "203.0.113.9"):
        response = api.http.post(
            "/room/create",
            json={"room_id": new_room_id(), "password": PASSWORD},
            headers={"X-Forwarded-For": address},
        )
        assert response.status_code == 201, response.text
    socket = RawSocketIO(
        server.url, [("X-Forwarded-For", "192.0.2.44"), ("Forwarded", "for=192.0.2.45")]
    )
    socket.connect(api.token(room))
    socket.close()
    assert wait_until(lambda: WARNING in server.stderr_text(), timeout=5)
    log = server.stderr_text()
    assert log.count("forwarded headers from") == 1, log
    assert "SECURECHAT_TRUSTED_PROXIES" in log
