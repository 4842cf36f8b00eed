"""`securechat keys ...`: rotate and retire the encryption and JWT signing keys.

A key file (under the data directory) is rewritten whole, and running servers follow it
(they look before each use); keys given in variables are the operator's to change, so for
those the commands say what to set. Every step is safe to repeat."""

from __future__ import annotations

from collections.abc import Callable

from domain.usecases.rekey_messages import DEFAULT_BATCH, KeyCensus, census, rekey_messages
from entrypoints.common.bootstrap import (
    KeySource,
    encryption_keys,
    jwt_keys,
    keyring,
    prepare_data_dir,
    stored_messages,
)
from entrypoints.common.settings import Settings

Out = Callable[[str], None]
ACTIONS = ("rotate-encryption", "reencrypt", "retire-encryption", "rotate-jwt", "retire-jwt")


def run(action: str, settings: Settings, out: Out, batch: int = DEFAULT_BATCH) -> int:
    """Carry out one `securechat keys` action; the exit status."""
    prepare_data_dir(settings)
    if action == "rotate-encryption":
        return _rotate_encryption(settings, out, batch)
    if action == "reencrypt":
        return _reencrypt(settings, encryption_keys(settings), out, batch)
    if action == "retire-encryption":
        return _retire_encryption(settings, out, batch)
    if action == "rotate-jwt":
        return _rotate_jwt(jwt_keys(settings), out)
    if action == "retire-jwt":
        return _retire_jwt(jwt_keys(settings), out)
    raise ValueError(f"unknown action {action!r}")


def _rotate_encryption(settings: Settings, out: Out, batch: int) -> int:
    source = encryption_keys(settings)
    stored_messages(settings)[1]()  # the database is reachable before a key is made
    new = source.generate()
    if source.path is None:
        out(
            f"securechat: the keys come from {source.variable}. New key (put it first in "
            f"{source.variable} on every server, keeping the others after it; see "
            "docs/operations.md), then run `securechat keys reencrypt`:"
        )
        out(new)
        return 0
    source.replace([new, *source.keys])
    out(f"securechat: a new encryption key is first in {source.path}; servers take it up")
    return _reencrypt(settings, encryption_keys(settings), out, batch)


def _reencrypt(settings: Settings, source: KeySource, out: Out, batch: int) -> int:
    uow, close = stored_messages(settings)
    try:
        done = rekey_messages(uow, keyring(source.keys), batch, _progress(out))
    finally:
        close()
    out(f"securechat: {_summary(done)}")
    if done.older:
        out("securechat: messages changed while they were rewritten: run it again")
        return 1
    if len(source.keys) > 1:
        out("securechat: then retire the older keys: `securechat keys retire-encryption`")
    return 0


def _retire_encryption(settings: Settings, out: Out, batch: int) -> int:
    source = encryption_keys(settings)
    if len(source.keys) == 1:
        out("securechat: one encryption key only: nothing to retire")
        return 0
    uow, close = stored_messages(settings)
    try:
        found = census(uow, keyring(source.keys), batch)
    finally:
        close()
    if found.older:
        out(
            f"securechat: error: {found.older} stored message(s) are still under an older "
            "key; run `securechat keys reencrypt` first (nothing retired)"
        )
        return 1
    retired = len(source.keys) - 1
    if source.path is None:
        out(
            f"securechat: no stored message is under the {retired} older key(s): keep only "
            f"the first key in {source.variable} on every server"
        )
        return 0
    source.replace(source.keys[:1])
    out(f"securechat: retired {retired} older encryption key(s) from {source.path}")
    return 0


def _rotate_jwt(source: KeySource, out: Out) -> int:
    new = source.generate()
    if source.path is None:
        out(
            "securechat: the signing key comes from SECURECHAT_JWT_SECRET. New key (put it in "
            "SECURECHAT_JWT_SECRET and move the old one to SECURECHAT_JWT_PREVIOUS_SECRETS on "
            "every server; see docs/operations.md):"
        )
        out(new)
        return 0
    source.replace([new, *source.keys])
    out(
        f"securechat: a new JWT signing key is first in {source.path}; tokens signed by the "
        f"{len(source.keys)} older key(s) stay valid until they expire or "
        "`securechat keys retire-jwt`"
    )
    return 0


def _retire_jwt(source: KeySource, out: Out) -> int:
    retired = len(source.keys) - 1
    if retired == 0:
        out("securechat: one JWT signing key only: nothing to retire")
        return 0
    if source.path is None:
        out("securechat: remove SECURECHAT_JWT_PREVIOUS_SECRETS on every server to retire them")
        return 0
    source.replace(source.keys[:1])
    out(
        f"securechat: retired {retired} older JWT key(s) from {source.path}: tokens they "
        "signed are refused from now on"
    )
    return 0


def _progress(out: Out, every: int = 20 * DEFAULT_BATCH) -> Callable[[KeyCensus], None]:
    """A line now and then on a long walk (every `every` messages), so it is seen moving."""
    shown = [0]

    def report(done: KeyCensus) -> None:
        if done.scanned - shown[0] >= every:
            shown[0] = done.scanned
            out(f"securechat: ... {_summary(done)}")

    return report


def _summary(done: KeyCensus) -> str:
    return (
        f"{done.scanned} message(s) looked at: {done.rewritten} rewritten under the primary "
        f"key, {done.current} already under it, {done.older} still under an older key, "
        f"{done.unreadable} opened by no configured key"
    )
