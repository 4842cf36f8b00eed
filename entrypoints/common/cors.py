"""Which origins may call us from a browser: same origin, plus those configured. Never '*'."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "600",
}


def same_origin(origin: str, scheme: str, host: str) -> bool:
    # Forwarded headers are not consulted: they are only as trustworthy as the proxy.
    return origin == f"{scheme}://{host}"


def origin_allowed(allowed: tuple[str, ...], origin: str, scheme: str, host: str) -> bool:
    return origin in allowed or same_origin(origin, scheme, host)


def socket_origin_check(allowed: tuple[str, ...]) -> Any:
    """For engine.io's cors_allowed_origins: a callable of (origin, environ)."""

    def check(origin: str, environ: Mapping[str, Any]) -> bool:
        return origin_allowed(
            allowed, origin, environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST", "")
        )

    return check


def cors_headers(allowed: tuple[str, ...], origin: str | None, preflight: bool) -> dict[str, str]:
    """Headers granting a configured cross origin; none for anyone else."""
    if not origin or origin not in allowed:
        return {}
    headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    if preflight:
        headers.update(PREFLIGHT_HEADERS)
    return headers
