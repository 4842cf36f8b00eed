"""Two builds' REST posts side by side, interleaved: what one change bought.

python -m bench.ab_builds --runtime flask AFTER_DIR BEFORE_DIR

Each directory holds a build of the project (`git archive <commit> | tar -x -C DIR`). Both
servers run at once, pinned to the server core; the referee's REST windows
(bench/referee.py) go to one, then the other, `--pairs` times: CPU per request at a fixed
300 posts/s, then the closed loop's req/s and p99. Prints one JSON line ("ours" is AFTER,
"bare" BEFORE in its summaries).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from typing import Any

from bench import referee as rf
from bench import scenarios as sc
from bench import servers
from bench.httpload import request_bytes


def build_server(runtime: str, data_dir: str, code: str) -> servers.Server:
    """`securechat serve` of the build in `code`."""
    boot = f"import sys; sys.path.insert(0, {code!r}); from entrypoints.cli import main; "
    argv = [sys.executable, "-c", boot + "sys.exit(main())", "serve", "--runtime", runtime]
    argv += ["--port", "0", "--data-dir", data_dir]
    env = {"SECURECHAT_LOG_LEVEL": "WARNING", "SECURECHAT_RATE_LIMITS": servers.BENCH_RATE_LIMITS}
    return servers.Server(argv, env, f"build-{runtime}")


async def compare(runtime: str, pairs: int, seconds: float, after: str, before: str) -> Any:
    os.sched_setaffinity(0, servers.cpu_sets()[1])
    profile = sc.Profile(1, 1, 1, 1, 1, (), 1, 1, 1, referee_pairs=pairs, referee_s=seconds)
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        sides = (
            rf.Side("after", build_server(runtime, one, after), True),
            rf.Side("before", build_server(runtime, two, before), True),
        )
        try:
            for side in sides:
                room_id, token = await side.target.room()
                body = {"message": "x" * 64}
                side.post = request_bytes("POST", f"/chat/{room_id}", side.target.host, body, token)
            paced = await rf.pairs_of(
                sides, profile, lambda s: rf.paced_rest(s, rf.RATE_REST, seconds)
            )
            closed = await rf.pairs_of(sides, profile, lambda s: rf.closed_rest(s, seconds))
            return {"runtime": runtime, "paced": paced, "closed": closed}
        finally:
            for side in sides:
                side.server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ab_builds", description=__doc__)
    parser.add_argument("--runtime", choices=("flask", "quart"), default="flask")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("after")
    parser.add_argument("before")
    args = parser.parse_args(argv)
    result = asyncio.run(compare(args.runtime, args.pairs, args.seconds, args.after, args.before))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
