"""The library internals only the Flask runtime relies on (entrypoints/flask/transport.py,
entrypoints/flask/server.py); the ones both runtimes share: tests/unit/common/.

Each seam is pinned by an upper bound in pyproject.toml; when an upgrade moves one of them,
the test below names what moved, instead of the guard silently falling away."""

from __future__ import annotations

import inspect

import simple_websocket
from engineio.async_drivers._websocket_wsgi import SimpleWebSocketWSGI


def _source(obj: object) -> str:
    return inspect.getsource(obj)  # type: ignore[arg-type]


def test_simple_websocket_takes_a_message_bound_and_reads_the_handshake_from_environ() -> None:
    assert "max_message_size" in inspect.signature(simple_websocket.Server).parameters
    assert "kwargs" in _source(SimpleWebSocketWSGI.__init__)
    source = _source(simple_websocket.Server)
    assert "HTTP_" in source, (
        "simple-websocket no longer rebuilds the handshake from environ: removing "
        "Sec-WebSocket-Extensions would not turn permessage-deflate off"
    )


# -- entrypoints/flask/server.py: WebSocketAwareHandler over gevent's pywsgi -------------


def test_pywsgi_writes_the_head_through_what_the_handler_overrides() -> None:
    import gevent.pywsgi

    handler = gevent.pywsgi.WSGIHandler
    message = "gevent.pywsgi.WSGIHandler changed: see entrypoints/flask/server.py"
    assert "self._write_with_headers(data)" in _source(handler.write), message
    for name in ("finalize_headers", "_sendall", "_write", "run_application", "process_result"):
        assert callable(getattr(handler, name, None)), f"{message} ({name} is gone)"
    assert "self.response_use_chunked" in _source(handler.finalize_headers), message
    # simple-websocket takes the connection's own socket from this key ("gunicorn" mode).
    assert "'gunicorn.socket' in environ" in _source(simple_websocket.Server.__init__), message
