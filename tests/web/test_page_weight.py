"""The page's weight: the built page's JavaScript and CSS, gzipped as a browser downloads
them, stay within a budget (150 KB; `securechat build-web` prints the figure, and
docs/performance.md records it)."""

from __future__ import annotations

import gzip

from entrypoints.common import web_page

BUDGET_BYTES = 150 * 1024


def test_the_page_is_within_its_weight_budget() -> None:
    assert web_page.built(), "the web page is not built: run `.venv/bin/securechat build-web`"
    code = [
        asset for asset in web_page.ASSETS if asset.media_type in ("text/javascript", "text/css")
    ]
    sizes = {
        asset.name: len(gzip.compress((web_page.DIST / asset.name).read_bytes(), 9))
        for asset in code
    }
    # Every script and style sheet in dist/ is one the page serves (none left out of the sum).
    shipped = {
        str(path.relative_to(web_page.DIST))
        for path in web_page.DIST.rglob("*")
        if path.suffix in (".js", ".mjs", ".css")
    }
    assert shipped == set(sizes)
    total = sum(sizes.values())
    assert total <= BUDGET_BYTES, f"{total / 1024:.1f} KB gzipped: {sorted(sizes.items())}"
