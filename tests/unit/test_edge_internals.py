"""The library internals the edge relies on are still where it expects them.

If one of these fails after an upgrade, read entrypoints/flask/request_head.py or
entrypoints/quart/request_head.py before raising the version bound in pyproject.toml.
"""

from __future__ import annotations

import inspect

import gevent.pywsgi
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from entrypoints.common.edge import MAX_REQUEST_LINE


def _parameters(function: object) -> list[str]:
    return list(inspect.signature(function).parameters)  # type: ignore[arg-type]


def test_pywsgi_still_reads_heads_the_way_request_head_overrides() -> None:
    handler = gevent.pywsgi.WSGIHandler
    message = "gevent.pywsgi.WSGIHandler changed: see entrypoints/flask/request_head.py"
    assert _parameters(handler.read_requestline) == ["self"], message
    assert _parameters(handler.MessageClass)[:1] == ["self"], message
    assert _parameters(handler._handle_client_error) == ["self", "ex"], message
    assert _parameters(handler.handle_one_request) == ["self"], message
    # read_request hands MessageClass the connection's reader.
    assert "self.MessageClass(self.rfile" in inspect.getsource(handler.read_request), message
    # The early answers are (status, response) tuples, sent as they are.
    assert "_handle_client_error(ex)" in inspect.getsource(handler.handle_one_request), message
    assert gevent.pywsgi.MAX_REQUEST_LINE == MAX_REQUEST_LINE, message
    assert issubclass(gevent.pywsgi.OldMessage, object), message
    assert callable(gevent.pywsgi.OldMessage().getheader), message


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
