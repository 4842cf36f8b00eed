"""Every place the Flask runtime stands on a library's internals, with the test that fails
when the library moves. Read this before raising a bound in pyproject.toml.

A seam's classes live with their subject (transport.py, server.py, outbox.py,
request_head.py); this table is where they are all named. `theirs` lists dotted library
attributes (each test resolves them too); a `require` at startup refuses to run unguarded
where engine.io or python-socketio has moved (common/seams.py).
"""

from __future__ import annotations

from entrypoints.common.seams import Seam
from entrypoints.flask import request_head, server, transport
from entrypoints.flask.outbox import Outbox

_SEAMS = "tests/unit/flask/test_library_seams.py"
_COMMON = "tests/unit/common/test_library_seams.py"
_EDGE = "tests/unit/flask/test_edge_internals.py"

SEAMS = (
    Seam(
        transport.BoundedWebSocket,
        (
            "engineio.socket.Socket._upgrade_websocket",  # builds server._async['websocket']
            "engineio.async_drivers._websocket_wsgi.SimpleWebSocketWSGI.wait",
            "simple_websocket.Server.__init__",  # max_message_size, handshake from environ
        ),
        f"{_SEAMS}::test_bounded_websocket_is_what_this_engineio_server_builds_and_no_other",
    ),
    Seam(
        transport.ScreenedEngineIo,
        (
            "socketio.Server._handle_eio_message",
            "socketio.Server._handle_eio_connect",
            "engineio.Server.on",
        ),
        f"{_SEAMS}::test_the_screen_stands_in_front_of_python_socketio_dispatch",
    ),
    Seam(
        transport.PromptDisconnect,
        ("engineio.Server.disconnect", "engineio.socket.Socket.close"),
        f"{_SEAMS}::test_prompt_disconnect_closes_a_session_without_waiting_for_its_client",
    ),
    Seam(
        transport.JsonRefusals,
        ("engineio.Server.handle_request", "engineio.middleware.WSGIApp.__call__"),
        f"{_SEAMS}::test_engineio_refusals_leave_in_our_json",
    ),
    Seam(
        transport.BacklogWatch,
        ("engineio.Server.send_packet", "engineio.socket.Socket.send"),
        f"{_COMMON}::test_every_packet_for_a_client_goes_through_its_socket_send",
    ),
    Seam(
        transport.end_session,
        ("engineio.socket.Socket.close",),
        f"{_COMMON}::test_engineio_sockets_expose_what_the_backlog_reads",
    ),
    Seam(
        server.WebSocketAwareHandler,
        (
            "gevent.pywsgi.WSGIHandler._write_with_headers",
            "gevent.pywsgi.WSGIHandler.finalize_headers",
            "gevent.pywsgi.WSGIHandler.run_application",
            "gevent.pywsgi.WSGIHandler.process_result",
            "simple_websocket.Server.__init__",  # takes environ['gunicorn.socket']
        ),
        f"{_SEAMS}::test_pywsgi_writes_the_head_through_what_the_handler_overrides",
    ),
    Seam(
        Outbox,
        ("simple_websocket.ws.Base._thread", "simple_websocket.ws.Base.close"),
        f"{_SEAMS}::test_simple_websocket_uses_only_the_socket_calls_the_outbox_has",
    ),
    Seam(
        request_head.BoundedHeadHandler,
        (
            "gevent.pywsgi.WSGIHandler.read_requestline",
            "gevent.pywsgi.WSGIHandler.MessageClass",
            "gevent.pywsgi.WSGIHandler._handle_client_error",
            "gevent.pywsgi.WSGIHandler.handle_one_request",
            "gevent.pywsgi.OldMessage",
        ),
        f"{_EDGE}::test_pywsgi_still_reads_heads_the_way_request_head_overrides",
    ),
)
