"""State every process of a cluster shares, on Redis (SECURECHAT_REDIS_URL): presence and
typing, rate-limit counters. Imported only when the setting is given."""
