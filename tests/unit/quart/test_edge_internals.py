"""The uvicorn internals the Quart edge relies on are still where it expects them.

If one of these fails after an upgrade, read entrypoints/quart/request_head.py (and
entrypoints/quart/edge.py) before raising the version bound in pyproject.toml.
"""

from __future__ import annotations

import inspect

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


def _parameters(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


def test_uvicorn_httptools_protocol_still_has_what_request_head_overrides() -> None:
    message = "uvicorn's HttpToolsProtocol changed: see entrypoints/quart/request_head.py"
    assert _parameters(HttpToolsProtocol.data_received) == ["self", "data"], message
    assert _parameters(HttpToolsProtocol.on_url) == ["self", "url"], message
    assert _parameters(HttpToolsProtocol.on_headers_complete) == ["self"], message
    assert _parameters(HttpToolsProtocol.on_message_complete) == ["self"], message
    assert _parameters(HttpToolsProtocol.send_400_response) == ["self", "msg"], message
    source = inspect.getsource(HttpToolsProtocol)
    # A callback's exception ends in send_400_response; url and headers are per request.
    assert "except httptools.HttpParserError" in source, message
    assert "self.send_400_response(" in source, message
    assert "self.url += url" in source, message
    assert "self.headers.append((name, value))" in source, message


def test_uvicorn_websockets_sansio_offers_the_http_response_extension() -> None:
    message = "uvicorn's sans-io WebSocket protocol lost websocket.http.response: see quart/edge.py"
    source = inspect.getsource(WebSocketsSansIOProtocol)
    assert '"websocket.http.response": {}' in source, message
    assert '"websocket.http.response.start"' in source, message
