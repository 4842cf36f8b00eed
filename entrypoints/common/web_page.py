"""The chat page at /: one set of files, served the same way by both runtimes.

Its sources are in entrypoints/web/src (plain JavaScript modules, a style sheet, one HTML
page); `securechat build-web` installs socket.io-client from the npm registry (pinned by
entrypoints/web/package-lock.json) and builds everything into entrypoints/web/dist, which a
built wheel carries. The server reads only dist/. No CDN and no inline script: the page's
Content-Security-Policy allows scripts, styles and connections to this origin only; user
content is inserted as text by the scripts, never as HTML.
"""

from __future__ import annotations

from pathlib import Path

from entrypoints.common.static_files import Asset, Loaded, read

WEB = Path(__file__).resolve().parents[1] / "web"
DIST = WEB / "dist"

# Nothing from another origin, images included: avatars are initials drawn by the page (a
# profile's remote avatar URL is not loaded), and a message's Markdown makes no images.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
NOT_BUILT = (
    "the web page is not built on this server: run `securechat build-web` (it needs Node.js "
    "18 or newer with npm); the API works without it"
)


ASSETS: tuple[Asset, ...] = (
    Asset("index.html", "/", "chat_page", "text/html", "The chat page."),
    Asset("app.js", "/static/app.js", "chat_page_app", "text/javascript", "The page's script."),
    Asset(
        "api.js",
        "/static/api.js",
        "chat_page_api",
        "text/javascript",
        "The page's script: the REST calls.",
    ),
    Asset(
        "dashboard.js",
        "/static/dashboard.js",
        "chat_page_dashboard",
        "text/javascript",
        "The page's script: the room admin dashboard.",
    ),
    Asset(
        "audit.js",
        "/static/audit.js",
        "chat_page_audit",
        "text/javascript",
        "The page's script: the dashboard's security log.",
    ),
    Asset(
        "ending.js",
        "/static/ending.js",
        "chat_page_ending",
        "text/javascript",
        "The page's script: why one is out of a room, in words.",
    ),
    Asset(
        "session.js",
        "/static/session.js",
        "chat_page_session",
        "text/javascript",
        "The page's script: tokens renewed in time.",
    ),
    Asset(
        "resume.js",
        "/static/resume.js",
        "chat_page_resume",
        "text/javascript",
        "The page's script: the page session a reload resumes (its cookie is HttpOnly).",
    ),
    Asset(
        "delivery.js",
        "/static/delivery.js",
        "chat_page_delivery",
        "text/javascript",
        "The page's script: pending sends and gap-free recovery after a reconnect.",
    ),
    Asset(
        "messages.js",
        "/static/messages.js",
        "chat_page_messages",
        "text/javascript",
        "The page's script: one message in the list.",
    ),
    Asset(
        "state.js",
        "/static/state.js",
        "chat_page_state",
        "text/javascript",
        "The page's script: what the page is now, and small helpers.",
    ),
    Asset(
        "room.js",
        "/static/room.js",
        "chat_page_room",
        "text/javascript",
        "The page's script: entering, living in and leaving a room.",
    ),
    Asset(
        "conversation.js",
        "/static/conversation.js",
        "chat_page_conversation",
        "text/javascript",
        "The page's script: the message list and what one does to a message.",
    ),
    Asset(
        "presence.js",
        "/static/presence.js",
        "chat_page_presence",
        "text/javascript",
        "The page's script: who is in the room and who is typing.",
    ),
    Asset(
        "account.js",
        "/static/account.js",
        "chat_page_account",
        "text/javascript",
        "The page's script: signing in and out, and tokens renewed in time.",
    ),
    Asset(
        "timeline.js",
        "/static/timeline.js",
        "chat_page_timeline",
        "text/javascript",
        "The page's script: day separators and grouped messages.",
    ),
    Asset(
        "markdown.js",
        "/static/markdown.js",
        "chat_page_markdown",
        "text/javascript",
        "The page's script: a message's text as a safe Markdown subset.",
    ),
    Asset(
        "attention.js",
        "/static/attention.js",
        "chat_page_attention",
        "text/javascript",
        "The page's script: the unread count, notifications and the last-read divider.",
    ),
    Asset(
        "theme.js",
        "/static/theme.js",
        "chat_page_theme",
        "text/javascript",
        "The page's script: light and dark themes.",
    ),
    Asset("style.css", "/static/style.css", "chat_page_style", "text/css", "The page's styles."),
    Asset(
        "vendor/socket.io.esm.min.js",
        "/static/vendor/socket.io.esm.min.js",
        "chat_page_socketio",
        "text/javascript",
        "socket.io-client, as installed from the npm registry at build time.",
    ),
    Asset(
        "vendor/marked.esm.js",
        "/static/vendor/marked.esm.js",
        "chat_page_marked",
        "text/javascript",
        "marked (the Markdown parser), as installed from the npm registry at build time.",
    ),
    Asset(
        "vendor/purify.es.mjs",
        "/static/vendor/purify.es.mjs",
        "chat_page_dompurify",
        "text/javascript",
        "DOMPurify (the HTML sanitizer), as installed from the npm registry at build time.",
    ),
    Asset(
        "emoji.js",
        "/static/emoji.js",
        "chat_page_emoji",
        "text/javascript",
        "The page's script: the reaction picker (quick reactions and a search of every emoji).",
    ),
    Asset(
        "vendor/emoji-data.js",
        "/static/vendor/emoji-data.js",
        "chat_page_emoji_data",
        "text/javascript",
        "The emoji picker's data, made at build time from emojibase-data (npm registry).",
    ),
)
BY_NAME = {asset.name: asset for asset in ASSETS}


def built(dist: Path = DIST) -> bool:
    return all((dist / asset.name).is_file() for asset in ASSETS)


def asset(name: str) -> Loaded | None:
    """A file of the page and its headers, read once; None when the page is not built."""
    return read(DIST, BY_NAME[name], CSP)
