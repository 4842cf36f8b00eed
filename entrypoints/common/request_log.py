"""Logs an operator can use: every line carries the id of the request it was written for,
as text or as one JSON object per line (SECURECHAT_LOG_FORMAT), and the access log
(SECURECHAT_ACCESS_LOG) writes one line per request.

The id is a trusted proxy's `X-Request-Id` (a safe token of at most 128 characters), else
made here; it is echoed in the response's `X-Request-Id`. It lives in a context variable:
the request's greenlet on Flask, its task on Quart (and a worker thread's copy of its
context). No line carries a token, a password or a message's text: the access line names
the route's rule (`/chat/<room_id>`), never its query or body.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import secrets
import time
from collections.abc import Generator
from contextvars import ContextVar, Token
from typing import Any

from entrypoints.common.edge import RequestHeaders, TrustedProxies

LOG_FORMATS = ("text", "json")
NO_REQUEST = "-"
ACCESS_LOGGER = "securechat.access"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
_SAFE_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")

# The id of the request being answered in this context (a greenlet, a task, a worker's copy).
REQUEST_ID: ContextVar[str] = ContextVar("securechat_request_id", default=NO_REQUEST)


def request_id(peer: str, headers: RequestHeaders, trusted: TrustedProxies) -> str:
    """A trusted proxy's X-Request-Id, if it is a safe token; else a new one."""
    given = headers.get("X-Request-Id")
    if given and trusted.trusts(peer) and _SAFE_ID.fullmatch(given.strip()):
        return given.strip()
    return secrets.token_hex(8)


def begin(rid: str) -> Token[str]:
    return REQUEST_ID.set(rid)


def end(token: Token[str]) -> None:
    # Set in another context (a generator closed elsewhere): nothing of ours to undo.
    with contextlib.suppress(ValueError):
        REQUEST_ID.reset(token)


# A request's access line but its status: method, route rule, start (perf_counter), client.
Access = tuple[str, str, float, str]
# What a runtime writes for a request: status, body, headers (server_base.RawReply).
Reply = tuple[int, bytes, dict[str, str]]


def logged(
    steps: Generator[Any, Any, Reply], rid: str, access_line: Access | None
) -> Generator[Any, Any, Reply]:
    """`steps` (a request's answer) with `rid` as the id of every line logged meanwhile,
    then its access line (when on) and `X-Request-Id` in its headers."""
    context = begin(rid)
    try:
        status, body, headers = yield from steps
        if access_line is not None:
            method, rule, started, client = access_line
            access(method, rule, status, started, client)
    finally:
        end(context)
    headers["X-Request-Id"] = rid
    return status, body, headers


def access(method: str, rule: str, status: int, started: float, client: str) -> None:
    """The access line of one request (only when SECURECHAT_ACCESS_LOG is on)."""
    took_ms = round((time.perf_counter() - started) * 1000, 1)
    logging.getLogger(ACCESS_LOGGER).info(
        "%s %s %d %.1f ms %s",
        method,
        rule,
        status,
        took_ms,
        client,
        extra={
            "method": method,
            "path": rule,
            "status": status,
            "duration_ms": took_ms,
            "client": client,
        },
    )


class RequestIdFilter(logging.Filter):
    """Gives every record the id of its request (`-` outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


# The attributes every LogRecord has: anything else was given as `extra`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, the extras, and
    an exception's type and traceback as fields (still one line). Times in UTC."""

    converter = staticmethod(time.gmtime)

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_REQUEST),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info and record.exc_info[1] is not None:
            line["exception"] = type(record.exc_info[1]).__name__
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: str, log_format: str) -> None:
    """The root logger: one stderr handler in `log_format`, each record with its id."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    formatter = JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
