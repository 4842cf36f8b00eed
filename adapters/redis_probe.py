"""Readiness of Redis (ports.health.Probe): does it answer PING now?"""

from __future__ import annotations

from typing import Any

PROBE_TIMEOUT_S = 1.0


class RedisProbe:
    name = "redis"

    def __init__(self, url: str) -> None:
        import redis  # only when Redis is configured

        self._client: Any = redis.Redis.from_url(
            url, socket_timeout=PROBE_TIMEOUT_S, socket_connect_timeout=PROBE_TIMEOUT_S
        )

    def check(self) -> str | None:
        try:
            self._client.ping()
        except Exception as error:
            text = str(error).strip().splitlines()
            return text[0] if text else type(error).__name__
        return None

    def close(self) -> None:
        self._client.close()
