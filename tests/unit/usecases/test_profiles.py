"""domain/usecases/profiles.py: guest profiles (create, show, edit one's own), and how they
meet accounts and room guests. Over the real in-memory adapters, real JWTs, a fake clock."""

from __future__ import annotations

import threading

import pytest

from domain.model.errors import (
    Conflict,
    ErrorCode,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
)
from domain.model.profiles import PublicProfile
from domain.usecases.accounts import login, logout, refresh, register
from domain.usecases.create_room import create_room
from domain.usecases.join_as_member import join_as_member
from domain.usecases.profiles import (
    GuestCreated,
    create_guest,
    get_profile,
    update_profile,
)
from domain.usecases.send_message import send_message
from domain.usecases.verify_room import verify_room_password
from tests.support import PASSWORD, World, member_claims, signed_in_user

AVATAR = "https://example.org/me.png"


def _code(code: ErrorCode) -> object:
    return lambda error: error.code is code


def _guest(world: World, user_id: str = "fox", name: str = "Fox") -> GuestCreated:
    return create_guest(world.deps, user_id, name, AVATAR).value


def _snapshot(world: World) -> tuple[object, ...]:
    store = world.store_factory.store
    return (
        dict(store.users),
        dict(store.user_keys),
        dict(store.refresh_families),
        dict(store.refresh_tokens),
        dict(store.profiles),
    )


# --- create ------------------------------------------------------------------------------


def test_a_guest_profile_is_signed_in_as_a_guest_with_no_password(world: World) -> None:
    now = world.clock.now_ms()
    made = create_guest(world.deps, "fox", "Ｆｏｘ", AVATAR)

    created = made.value
    assert created.profile == PublicProfile("fox", "Fox", AVATAR, True)  # NFKC, as register
    signed = created.signed_in
    assert (signed.user_id, signed.username, signed.expires_in) == ("fox", "Fox", 900)
    claims = world.tokens.verify_user_token(signed.access_token)
    assert (claims.user_id, claims.username, claims.guest) == ("fox", "Fox", True)
    assert claims.expires_at == now // 1000 + 900
    user = world.store_factory.store.users["fox"]
    assert user.password_hash is None and user.guest and user.avatar == AVATAR
    assert user.username_key == "fox"
    assert world.hasher.hash_calls == 0  # nothing to hash
    assert made.events == []


def test_a_guest_profiles_refresh_token_keeps_it_a_guest_and_logout_ends_it(
    world: World,
) -> None:
    signed = _guest(world).signed_in
    rotated = refresh(world.deps, signed.refresh_token).value
    claims = world.tokens.verify_user_token(rotated.access_token)
    assert (claims.user_id, claims.guest) == ("fox", True)
    logout(world.deps, rotated.refresh_token)
    with pytest.raises(Unauthorized, check=_code(ErrorCode.INVALID_REFRESH_TOKEN)):
        refresh(world.deps, rotated.refresh_token)


def test_a_guest_profile_cannot_log_in_with_any_password(world: World) -> None:
    _guest(world)
    for password in (PASSWORD, "", "x" * 10):
        with pytest.raises(Unauthorized, check=_code(ErrorCode.INVALID_CREDENTIALS)):
            login(world.deps, "fox", password)


def test_an_avatar_is_optional(world: World) -> None:
    created = create_guest(world.deps, "owl", "Owl").value
    assert created.profile == PublicProfile("owl", "Owl", None, True)


@pytest.mark.parametrize(
    ("user_id", "name", "avatar", "code"),
    [
        ("g_fox", "Fox", None, ErrorCode.RESERVED_USER_ID),
        ("", "Fox", None, ErrorCode.INVALID_USER_ID),
        ("a/b", "Fox", None, ErrorCode.INVALID_USER_ID),
        ("fox", "", None, ErrorCode.INVALID_USERNAME),
        ("fox", "a\u202eb", None, ErrorCode.INVALID_USERNAME),
        ("fox", "Fox", "javascript:alert(1)", ErrorCode.INVALID_AVATAR),
        ("fox", "Fox", "https://x.org/" + "a" * 2048, ErrorCode.INVALID_AVATAR),
    ],
)
def test_bad_input_is_refused_and_stores_nothing(
    world: World, user_id: str, name: str, avatar: str | None, code: ErrorCode
) -> None:
    before = _snapshot(world)
    with pytest.raises(InvalidInput, check=_code(code)):
        create_guest(world.deps, user_id, name, avatar)
    assert _snapshot(world) == before


def test_a_taken_user_id_is_refused_whoever_holds_it(world: World) -> None:
    _guest(world)
    account, _ = signed_in_user(world, "alice")
    before = _snapshot(world)
    for taken in ("fox", account.user_id):
        with pytest.raises(Conflict, check=_code(ErrorCode.USER_ID_TAKEN)):
            create_guest(world.deps, taken, "Someone Else")
    assert _snapshot(world) == before


def test_a_username_is_unique_across_accounts_and_guest_profiles_in_any_case(
    world: World,
) -> None:
    _guest(world, "fox", "Fox")
    signed_in_user(world, "alice")
    before = _snapshot(world)
    with pytest.raises(Conflict, check=_code(ErrorCode.USERNAME_TAKEN)):
        create_guest(world.deps, "other", "ALICE")
    with pytest.raises(Conflict, check=_code(ErrorCode.USERNAME_TAKEN)):
        create_guest(world.deps, "other", "ｆｏｘ")
    with pytest.raises(Conflict, check=_code(ErrorCode.USERNAME_TAKEN)):
        register(world.deps, "FOX", PASSWORD)
    assert _snapshot(world) == before


def test_racing_a_register_and_a_guest_for_one_name_lets_one_win(world: World) -> None:
    """Both pass the early check; the store's constraint settles it (memory: on commit)."""
    results: list[object] = []
    start = threading.Barrier(2)

    def run(action: object) -> None:
        start.wait()
        try:
            results.append(action())  # type: ignore[operator]
        except Conflict as error:
            results.append(error.code)

    threads = [
        threading.Thread(target=run, args=(lambda: register(world.deps, "Lynx", PASSWORD),)),
        threading.Thread(target=run, args=(lambda: create_guest(world.deps, "lynx", "lynx"),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(ErrorCode.USERNAME_TAKEN) == 1, results
    assert list(world.store_factory.store.user_keys) == ["lynx"]


# --- get ---------------------------------------------------------------------------------


def test_get_shows_public_fields_of_every_kind_of_identity(world: World) -> None:
    _guest(world)
    account, _ = signed_in_user(world, "alice")
    create_room(world.deps, "lobby", PASSWORD)
    room_guest = member_claims(world, "lobby", "Bob")

    assert get_profile(world.deps, "fox").value == PublicProfile("fox", "Fox", AVATAR, True)
    assert get_profile(world.deps, account.user_id).value == PublicProfile(
        account.user_id, "alice", None, False
    )
    assert get_profile(world.deps, room_guest.user_id).value == PublicProfile(
        room_guest.user_id, "Bob", None, True
    )


@pytest.mark.parametrize("user_id", ["nobody", "", "a/b", "x" * 500])
def test_get_of_no_such_identity_is_not_found(world: World, user_id: str) -> None:
    with pytest.raises(NotFound, check=_code(ErrorCode.PROFILE_NOT_FOUND)):
        get_profile(world.deps, user_id)


# --- update ------------------------------------------------------------------------------


def test_update_changes_ones_own_name_and_avatar_and_gives_a_token_with_the_new_name(
    world: World,
) -> None:
    signed = _guest(world).signed_in
    claims = world.tokens.verify_user_token(signed.access_token)

    renamed = update_profile(world.deps, claims, "fox", username="Vixen").value
    assert renamed.profile == PublicProfile("fox", "Vixen", AVATAR, True)
    new_claims = world.tokens.verify_user_token(renamed.access_token)
    assert (new_claims.username, new_claims.family_id, new_claims.guest) == (
        "Vixen",
        claims.family_id,
        True,
    )
    # The old name is free again; the new one is taken.
    create_guest(world.deps, "fox2", "fox")
    with pytest.raises(Conflict, check=_code(ErrorCode.USERNAME_TAKEN)):
        register(world.deps, "vixen", PASSWORD)

    cleared = update_profile(world.deps, claims, "fox", avatar=None).value
    assert cleared.profile == PublicProfile("fox", "Vixen", None, True)
    assert update_profile(world.deps, claims, "fox").value.profile == cleared.profile


def test_an_account_edits_its_profile_and_logs_in_under_the_new_name(world: World) -> None:
    account, claims = signed_in_user(world, "alice")
    updated = update_profile(world.deps, claims, account.user_id, "Alicia", AVATAR).value
    assert updated.profile == PublicProfile(account.user_id, "Alicia", AVATAR, False)
    assert login(world.deps, "ALICIA", PASSWORD).value.user_id == account.user_id
    with pytest.raises(Unauthorized, check=_code(ErrorCode.INVALID_CREDENTIALS)):
        login(world.deps, "alice", PASSWORD)


def test_renaming_to_another_spelling_of_ones_own_name_is_allowed(world: World) -> None:
    signed = _guest(world).signed_in
    claims = world.tokens.verify_user_token(signed.access_token)
    assert update_profile(world.deps, claims, "fox", "FOX").value.profile.username == "FOX"


def test_update_is_refused_for_anyone_but_the_owner_and_changes_nothing(world: World) -> None:
    _guest(world)
    _, alice = signed_in_user(world, "alice")
    create_room(world.deps, "lobby", PASSWORD)
    room_guest = member_claims(world, "lobby", "Bob")
    before = _snapshot(world)

    with pytest.raises(Forbidden, check=_code(ErrorCode.IDENTITY_MISMATCH)):
        update_profile(world.deps, alice, "fox", "Mine now")
    with pytest.raises(Forbidden, check=_code(ErrorCode.FORBIDDEN)):
        update_profile(world.deps, room_guest, room_guest.user_id, "Bobby")
    assert _snapshot(world) == before


def test_update_to_a_taken_or_bad_value_changes_nothing(world: World) -> None:
    signed = _guest(world).signed_in
    claims = world.tokens.verify_user_token(signed.access_token)
    signed_in_user(world, "alice")
    before = _snapshot(world)
    with pytest.raises(Conflict, check=_code(ErrorCode.USERNAME_TAKEN)):
        update_profile(world.deps, claims, "fox", "Alice")
    with pytest.raises(InvalidInput, check=_code(ErrorCode.INVALID_AVATAR)):
        update_profile(world.deps, claims, "fox", avatar="ftp://x.org/a")
    with pytest.raises(InvalidInput, check=_code(ErrorCode.INVALID_USERNAME)):
        update_profile(world.deps, claims, "fox", "\u3164")
    assert _snapshot(world) == before


def test_update_with_a_logged_out_sign_in_is_refused(world: World) -> None:
    signed = _guest(world).signed_in
    claims = world.tokens.verify_user_token(signed.access_token)
    logout(world.deps, signed.refresh_token)
    before = _snapshot(world)
    with pytest.raises(Unauthorized):
        update_profile(world.deps, claims, "fox", "Ghost")
    assert _snapshot(world) == before


# --- guests in rooms ---------------------------------------------------------------------


def test_a_guest_profile_joins_a_room_and_its_messages_are_marked_guest(world: World) -> None:
    signed = _guest(world).signed_in
    claims = world.tokens.verify_user_token(signed.access_token)
    create_room(world.deps, "lobby", PASSWORD)
    join_as_member(world.deps, claims, "lobby", PASSWORD)
    sent = send_message(world.deps, claims, "lobby", "hi").value
    assert (sent.user_id, sent.username, sent.guest) == ("fox", "Fox", True)
    _, alice = signed_in_user(world, "alice")
    join_as_member(world.deps, alice, "lobby", PASSWORD)
    assert send_message(world.deps, alice, "lobby", "hello").value.guest is False


def test_a_room_guest_may_not_show_a_claimed_name(world: World) -> None:
    _guest(world, "fox", "Fox")
    signed_in_user(world, "alice")
    create_room(world.deps, "lobby", PASSWORD)
    before = _snapshot(world)
    for name in ("fox", "ALICE", "ａｌｉｃｅ"):
        with pytest.raises(Conflict, check=_code(ErrorCode.USERNAME_TAKEN)):
            verify_room_password(world.deps, "lobby", PASSWORD, name)
    assert _snapshot(world) == before
    # An unclaimed name is fine, and is not claimed by a room guest.
    assert verify_room_password(world.deps, "lobby", PASSWORD, "Bob").value.username == "Bob"
    create_guest(world.deps, "bob", "Bob")
