"""Every place the Quart runtime stands on a library's internals, with the test that fails
when the library moves. Read this before raising a bound in pyproject.toml.

A seam's classes live with their subject (transport.py, manager.py, outbox.py,
request_head.py, server.py, edge.py); this table is where they are all named. `theirs`
lists dotted library attributes (each test resolves them too); a `require` at startup
refuses to run unguarded where engine.io or python-socketio has moved (common/seams.py).
"""

from __future__ import annotations

from entrypoints.common.seams import Seam
from entrypoints.quart import edge, manager, outbox, request_head, server, transport

_SEAMS = "tests/unit/quart/test_library_seams.py"
_COMMON = "tests/unit/common/test_library_seams.py"
_EDGE = "tests/unit/quart/test_edge_internals.py"
_UVICORN_HTTP = "uvicorn.protocols.http.httptools_impl.HttpToolsProtocol"
_UVICORN_WS = "uvicorn.protocols.websockets.websockets_sansio_impl.WebSocketsSansIOProtocol"

SEAMS = (
    Seam(
        transport.ScreenedWebSocket,
        (
            "engineio.async_socket.AsyncSocket._upgrade_websocket",  # server._async['websocket']
            "engineio.async_drivers.asgi.WebSocket.wait",
        ),
        f"{_SEAMS}::test_screened_websocket_is_what_this_engineio_server_builds_and_no_other",
    ),
    Seam(
        transport.ScreenedEngineIo,
        (
            "socketio.AsyncServer._handle_eio_message",
            "socketio.AsyncServer._handle_eio_connect",
            "engineio.AsyncServer.on",
        ),
        f"{_SEAMS}::test_the_screen_stands_in_front_of_python_socketio_dispatch",
    ),
    Seam(
        transport.PromptDisconnect,
        ("engineio.AsyncServer.disconnect", "engineio.async_socket.AsyncSocket.close"),
        f"{_SEAMS}::test_prompt_disconnect_closes_a_session_and_wakes_its_writer",
    ),
    Seam(
        transport.JsonRefusals,
        ("engineio.AsyncServer.handle_request", "engineio.async_drivers.asgi.ASGIApp.__call__"),
        f"{_SEAMS}::test_engineio_refusals_leave_in_our_json",
    ),
    Seam(
        transport.BacklogWatch,
        ("engineio.AsyncServer.send_packet", "engineio.async_socket.AsyncSocket.send"),
        f"{_COMMON}::test_every_packet_for_a_client_goes_through_its_socket_send",
    ),
    Seam(
        transport.end_session,
        ("engineio.async_socket.AsyncSocket.close",),
        f"{_SEAMS}::test_the_async_socket_close_does_not_wake_its_writer",
    ),
    Seam(
        manager.InlineAsyncManager,
        (
            "socketio.AsyncManager.emit",
            "socketio.AsyncManager.get_participants",
            "socketio.base_server.BaseServer.__init__",  # sets packet_class
            "engineio.AsyncServer.send_packet",
        ),
        f"{_SEAMS}::test_the_inline_manager_sends_what_python_socketios_own_manager_sends",
    ),
    Seam(
        outbox.CoalescingHttpProtocol,
        (f"{_UVICORN_HTTP}.connection_made",),
        f"{_SEAMS}::test_uvicorn_protocols_write_through_the_transport_attribute",
    ),
    Seam(
        outbox.CoalescingWebSocketProtocol,
        (
            f"{_UVICORN_WS}.connection_made",
            f"{_UVICORN_WS}.pause_writing",
            f"{_UVICORN_WS}.resume_writing",
            f"{_UVICORN_WS}.connection_lost",
        ),
        f"{_SEAMS}::test_uvicorn_protocols_write_through_the_transport_attribute",
    ),
    Seam(
        request_head.BoundedHttpProtocol,
        (
            f"{_UVICORN_HTTP}.data_received",
            f"{_UVICORN_HTTP}.on_url",
            f"{_UVICORN_HTTP}.on_headers_complete",
            f"{_UVICORN_HTTP}.on_message_complete",
            f"{_UVICORN_HTTP}.send_400_response",
        ),
        f"{_EDGE}::test_uvicorn_httptools_protocol_still_has_what_request_head_overrides",
    ),
    Seam(
        server.UvicornServer,
        ("uvicorn.Server.handle_exit", "uvicorn.Server.capture_signals", "uvicorn.Server.startup"),
        f"{_SEAMS}::test_uvicorn_reraises_only_the_signals_handle_exit_captured",
    ),
    Seam(
        edge.refuse,
        (f"{_UVICORN_WS}.handle_connect",),  # offers the websocket.http.response extension
        f"{_EDGE}::test_uvicorn_websockets_sansio_offers_the_http_response_extension",
    ),
)
