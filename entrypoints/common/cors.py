"""Which origins may call us from a browser: same origin, plus those configured. Never '*'."""

from __future__ import annotations

PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE",
    "Access-Control-Allow-Headers": "Authorization, Content-Type",
    "Access-Control-Max-Age": "600",
}


def same_origin(origin: str, scheme: str, host: str) -> bool:
    # scheme and host as the client used them: edge.origin_refused takes them from a trusted
    # proxy's forwarded headers, never from anyone else's.
    return origin == f"{scheme}://{host}"


def origin_allowed(allowed: tuple[str, ...], origin: str, scheme: str, host: str) -> bool:
    return origin in allowed or same_origin(origin, scheme, host)


def cors_headers(allowed: tuple[str, ...], origin: str | None, preflight: bool) -> dict[str, str]:
    """Headers granting a configured cross origin; none for anyone else."""
    if not origin or origin not in allowed:
        return {}
    headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    if preflight:
        headers.update(PREFLIGHT_HEADERS)
    return headers
