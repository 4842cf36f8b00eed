"""`securechat`: serve either runtime, manage the database schema, build the web page.

Only the standard library is imported at module level: the Flask runtime needs gevent to
patch the standard library before anything else imports it.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Mapping

RUNTIMES = ("flask", "quart")
# entrypoints.common.key_commands.ACTIONS (a test keeps them equal): not imported here, as
# nothing but the standard library is before gevent's patching.
KEY_ACTIONS = ("rotate-encryption", "reencrypt", "retire-encryption", "rotate-jwt", "retire-jwt")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="securechat", description="Secure Chat API server")
    parser.add_argument("--version", action="version", version=f"securechat {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server in its production server")
    serve.add_argument("--runtime", choices=RUNTIMES, help="flask (gevent) or quart (uvicorn)")
    serve.add_argument("--database", help="database URL, or 'memory' (default: SQLite file)")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 10000; 0 picks a free one)")
    serve.add_argument("--data-dir", help="data directory for keys and the SQLite file")

    web = sub.add_parser("build-web", help="build the web page (needs Node.js 18+ with npm)")
    web.add_argument(
        "--if-node",
        action="store_true",
        help="without Node.js, say so and succeed (the API works without the page)",
    )

    check = sub.add_parser(
        "check", help="check the configuration (settings, keys, database, Redis, proxies)"
    )
    check.add_argument("--database", help="database URL, or 'memory' (default: SQLite file)")
    check.add_argument("--data-dir", help="data directory for keys and the SQLite file")

    db = sub.add_parser("db", help="database schema migrations")
    db.add_argument("action", choices=("upgrade", "downgrade", "current"))
    db.add_argument("revision", nargs="?", help="target revision (upgrade: head)")
    db.add_argument("--database", help="database URL (default: SQLite file)")
    db.add_argument("--data-dir", help="data directory")

    keys = sub.add_parser("keys", help="rotate and retire encryption and JWT signing keys")
    keys.add_argument(
        "action",
        choices=KEY_ACTIONS,
        help="rotate-encryption (new key, then reencrypt), reencrypt (stored messages under "
        "the first key), retire-encryption (drop older keys once nothing is under them), "
        "rotate-jwt (new signing key; older ones verify), retire-jwt (drop older ones)",
    )
    keys.add_argument("--database", help="database URL (default: SQLite file)")
    keys.add_argument("--data-dir", help="data directory")
    keys.add_argument(
        "--batch", type=int, default=500, help="messages rewritten per transaction (500)"
    )
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("secure-chat-api")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _settings(args: argparse.Namespace, runtime: str | None = None) -> object:
    from pathlib import Path

    from entrypoints.common.settings import MEMORY_URL, Settings

    database = getattr(args, "database", None)
    if database in ("memory", MEMORY_URL):
        database = MEMORY_URL
    return Settings.from_env().with_overrides(
        runtime=runtime,
        database_url=database,
        host=getattr(args, "host", None),
        port=getattr(args, "port", None),
        data_dir=Path(args.data_dir) if args.data_dir else None,
    )


def _raise_fd_limit(wanted: int = 65536) -> None:
    """Every connection holds a descriptor (two on gevent, where the WebSocket dups it):
    raise the soft limit as far as allowed (the hard limit too, where privileged)."""
    import contextlib
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for limits in ((wanted, max(hard, wanted)), (hard, hard)):
        if soft >= limits[0]:
            return
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, limits)
            return


def _serve(args: argparse.Namespace) -> int:
    runtime = _runtime(args)
    _raise_fd_limit()
    import socket

    from entrypoints.common.bootstrap import build_core
    from entrypoints.common.settings import Settings

    settings = _settings(args, runtime)
    assert isinstance(settings, Settings)
    listener = socket.create_server((settings.host, settings.port), backlog=4096)
    port = listener.getsockname()[1]
    core = build_core(settings, "gevent" if runtime == "flask" else "threads")

    def ready() -> None:
        print(
            f"securechat: serving {settings.runtime} on http://{settings.host}:{port} "
            f"(storage: {settings.storage})",
            flush=True,
        )

    try:
        if runtime == "flask":
            from entrypoints.flask import server as flask_server

            flask_server.serve(settings, core, listener, ready)
        else:
            from entrypoints.quart import server as quart_server

            quart_server.serve(settings, core, listener, ready)
    finally:
        core.close()
    return 0


def _runtime(args: argparse.Namespace) -> str:
    return str(args.runtime or os.environ.get("SECURECHAT_RUNTIME") or "flask")


def _db(args: argparse.Namespace) -> int:
    from entrypoints.common.bootstrap import migrate_schema
    from entrypoints.common.settings import Settings

    settings = _settings(args)
    assert isinstance(settings, Settings)
    print(f"securechat: schema at {migrate_schema(settings, args.action, args.revision)}")
    return 0


def _keys(args: argparse.Namespace) -> int:
    from entrypoints.common import key_commands
    from entrypoints.common.settings import Settings, SettingsError

    if args.batch < 1:
        raise SettingsError("--batch must be at least 1")
    settings = _settings(args)
    assert isinstance(settings, Settings)
    return key_commands.run(args.action, settings, lambda line: print(line, flush=True), args.batch)


def _check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from entrypoints.common.config_check import check
    from entrypoints.common.settings import MEMORY_URL

    database = args.database
    settings, problems = check(
        os.environ,
        database_url=MEMORY_URL if database == "memory" else database,
        data_dir=Path(args.data_dir) if args.data_dir else None,
    )
    if problems:
        print(f"securechat check: {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    redis = ", redis" if settings.redis_url else ""
    print(f"securechat check: ok (runtime {settings.runtime}, storage {settings.storage}{redis})")
    return 0


def _build_web(args: argparse.Namespace) -> int:
    from entrypoints.web_build import BuildError, build, check_node

    try:
        if args.if_node:
            try:
                check_node()
            except BuildError as missing:
                print(f"securechat: the web page is not built: {missing}", file=sys.stderr)
                return 0
        print(f"securechat: built the web page into {build()}")
    except BuildError as error:
        print(f"securechat: error: {error}", file=sys.stderr)
        return 2
    return 0


def _tune_gevent(environ: Mapping[str, str]) -> None:
    """gevent settings for a server, unless the operator set them (GEVENT_* variables)."""
    import gevent

    if "GEVENT_TRACK_GREENLET_TREE" not in environ:
        # Every greenlet (several per connection, one per socket event) would record its
        # spawning greenlet and stack: ~11% of a busy server's CPU, and memory per socket.
        gevent.config.track_greenlet_tree = False


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve" and _runtime(args) == "flask":
        # Before anything imports socket, ssl or threading.
        from gevent import monkey

        _tune_gevent(os.environ)
        monkey.patch_all()
    from entrypoints.common.request_log import LOG_FORMATS, configure

    level = (os.environ.get("SECURECHAT_LOG_LEVEL") or "INFO").strip().upper()
    log_format = (os.environ.get("SECURECHAT_LOG_FORMAT") or "text").strip().lower()
    if log_format not in LOG_FORMATS or not isinstance(logging.getLevelName(level), int):
        print(
            "securechat: error: SECURECHAT_LOG_FORMAT must be text or json, and "
            "SECURECHAT_LOG_LEVEL a level (DEBUG, INFO, WARNING, ERROR)",
            file=sys.stderr,
        )
        return 2
    configure(level, log_format)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from entrypoints.common.bootstrap import StartupError
    from entrypoints.common.settings import SettingsError

    try:
        if args.command == "build-web":
            return _build_web(args)
        if args.command == "keys":
            return _keys(args)
        if args.command == "check":
            return _check(args)
        return _serve(args) if args.command == "serve" else _db(args)
    except (SettingsError, StartupError, OSError) as error:
        print(f"securechat: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
