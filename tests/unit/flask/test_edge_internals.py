"""The gevent internals the Flask edge relies on are still where it expects them.

If one of these fails after an upgrade, read entrypoints/flask/request_head.py before raising
the version bound in pyproject.toml (the Quart half: tests/unit/quart/test_edge_internals.py).
"""

from __future__ import annotations

import inspect

import gevent.pywsgi

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
