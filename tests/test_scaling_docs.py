"""docs/scaling.md's commands are the CLI's, and deploy/nginx-local.conf is the proxy they
name: every documented `securechat serve` parses, its port is an upstream of the example,
the example passes the WebSocket upgrade and X-Forwarded-For, and the documented
SECURECHAT_TRUSTED_PROXIES is where the example's upstreams see the proxy come from."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from entrypoints.cli import _parser
from entrypoints.common.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "scaling.md").read_text()
NGINX = (ROOT / "deploy" / "nginx-local.conf").read_text()


def _commands() -> list[list[str]]:
    block = re.search(r"```bash\n(.*?)```", DOC, re.S)
    assert block is not None
    lines = [line.split("#", 1)[0].strip().rstrip("&").strip() for line in block[1].splitlines()]
    return [shlex.split(line) for line in lines if line.startswith("securechat ")]


def test_the_documented_commands_parse_and_listen_where_the_proxy_sends() -> None:
    serves = [cmd for cmd in _commands() if cmd[1] == "serve"]
    assert len(serves) >= 2 and {"flask", "quart"} <= {
        cmd[cmd.index("--runtime") + 1] for cmd in serves
    }
    ports = []
    for cmd in serves:
        args = _parser().parse_args(cmd[1:])
        ports.append(args.port)
    upstreams = [int(p) for p in re.findall(r"server 127\.0\.0\.1:(\d+);", NGINX)]
    assert sorted(ports) == sorted(upstreams) and len(set(ports)) == len(ports)
    assert ["securechat", "db", "upgrade"] in _commands()


def test_the_documented_settings_are_settings_and_trust_the_proxy() -> None:
    exported = dict(re.findall(r"export (SECURECHAT_\w+)=(\S+)", DOC))
    settings = Settings.from_env(exported)
    assert settings.redis_url and settings.database_url
    assert settings.trusted_proxies == ("127.0.0.1",)  # where nginx reaches the upstreams


def test_the_proxy_passes_the_upgrade_and_the_clients_address() -> None:
    for line in (
        "proxy_http_version 1.1;",
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
        "proxy_set_header X-Forwarded-For $remote_addr;",
        "ip_hash;",
    ):
        assert line in NGINX, line
