"""Use cases over the real in-memory adapters, a real cipher, real JWTs and a fake clock."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.fernet import Fernet

from domain.model.errors import (
    Conflict,
    ErrorCode,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
)
from domain.model.events import MessagePosted, PresenceChanged, RoomCreated
from domain.model.members import Role
from domain.model.policies import Grant, RoomTokenClaims
from domain.model.rooms import PASSWORD_MAX_CHARS
from domain.usecases.access import authenticate, open_room
from domain.usecases.create_room import create_room
from domain.usecases.join_room import join_room, leave_room
from domain.usecases.read_history import read_history
from domain.usecases.send_message import send_message
from domain.usecases.verify_room import verify_room_password
from tests.support import World

PASSWORD = "correct horse battery"


def member_claims(world: World, room_id: str, username: str | None = None) -> RoomTokenClaims:
    access = verify_room_password(world.deps, room_id, PASSWORD, username).value
    return authenticate(world.deps, access.token)


# --- create_room ------------------------------------------------------------------------


def test_create_room_returns_an_admin_token(world: World) -> None:
    now = world.clock.now_ms()
    outcome = create_room(world.deps, "lobby", PASSWORD)
    created = outcome.value

    assert created.room_id == "lobby"
    assert created.user_id.startswith("g_")
    assert created.expires_in == world.deps.config.admin_token_ttl_s == 30 * 24 * 3600
    claims = world.tokens.verify_room_token(created.admin_token)
    room = world.store_factory.store.rooms["lobby"]
    assert claims == RoomTokenClaims(
        user_id=created.user_id,
        username=f"guest-{created.user_id[2:8]}",
        room_id="lobby",
        incarnation=room.incarnation,
        password_version=1,
        role=Role.ADMIN,
        expires_at=now // 1000 + created.expires_in,
    )
    assert outcome.events == [RoomCreated("lobby", created.user_id)]


def test_create_room_stores_a_hash_and_makes_the_creator_admin(world: World) -> None:
    created = create_room(world.deps, "lobby", PASSWORD).value
    store = world.store_factory.store

    room = store.rooms["lobby"]
    assert room.created_by == created.user_id
    assert room.created_at_ms == world.clock.now_ms()
    assert PASSWORD not in room.password_hash
    assert room.password_hash.startswith("$argon2id$")
    assert world.hasher.inner.verify(room.password_hash, PASSWORD)

    membership = store.memberships[("lobby", created.user_id)]
    assert membership.role is Role.ADMIN
    profile = store.profiles[created.user_id]
    assert profile.username == f"guest-{created.user_id[2:8]}"


def test_admin_token_opens_the_room(world: World) -> None:
    created = create_room(world.deps, "lobby", PASSWORD).value
    claims = authenticate(world.deps, created.admin_token)
    grant = join_room(world.deps, claims, "lobby", "conn-1").value
    assert grant.role is Role.ADMIN


def test_create_room_twice_is_a_conflict_and_keeps_the_first(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    first = world.store_factory.store.rooms["lobby"]
    hashes_before = world.hasher.hash_calls

    with pytest.raises(Conflict) as caught:
        create_room(world.deps, "lobby", "another password")
    assert caught.value.code is ErrorCode.ROOM_EXISTS
    assert world.store_factory.store.rooms["lobby"] == first
    assert world.hasher.hash_calls == hashes_before  # refused before the slow hash


@pytest.mark.parametrize(
    ("room_id", "password", "code"),
    [
        ("bad room", PASSWORD, ErrorCode.INVALID_ROOM_ID),
        ("a" * 65, PASSWORD, ErrorCode.INVALID_ROOM_ID),
        ("lobby", "short", ErrorCode.INVALID_PASSWORD),
        ("lobby", "x" * (PASSWORD_MAX_CHARS + 1), ErrorCode.INVALID_PASSWORD),
    ],
)
def test_create_room_validates_input(
    world: World, room_id: str, password: str, code: ErrorCode
) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_room(world.deps, room_id, password)
    assert caught.value.code is code
    assert world.store_factory.store.rooms == {}
    assert world.hasher.hash_calls == 0


# --- verify_room_password ---------------------------------------------------------------


def test_good_password_buys_a_member_token(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    now = world.clock.now_ms()
    outcome = verify_room_password(world.deps, "lobby", PASSWORD)
    access = outcome.value

    assert outcome.events == []
    assert access.expires_in == world.deps.config.room_token_ttl_s == 3600
    assert access.user_id.startswith("g_")
    assert access.username == f"guest-{access.user_id[2:8]}"
    claims = world.tokens.verify_room_token(access.token)
    room = world.store_factory.store.rooms["lobby"]
    assert claims == RoomTokenClaims(
        user_id=access.user_id,
        username=access.username,
        room_id="lobby",
        incarnation=room.incarnation,
        password_version=room.password_version,
        role=Role.MEMBER,
        expires_at=now // 1000 + 3600,
    )
    store = world.store_factory.store
    assert store.memberships[("lobby", access.user_id)].role is Role.MEMBER
    assert store.profiles[access.user_id].username == access.username


def test_given_username_is_used(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    access = verify_room_password(world.deps, "lobby", PASSWORD, "Zoë").value
    assert access.username == "Zoë"
    assert world.tokens.verify_room_token(access.token).username == "Zoë"
    assert world.store_factory.store.profiles[access.user_id].username == "Zoë"


def test_each_verification_is_a_new_guest(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    first = verify_room_password(world.deps, "lobby", PASSWORD).value
    second = verify_room_password(world.deps, "lobby", PASSWORD).value
    assert first.user_id != second.user_id


def test_bad_password_is_refused(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    with pytest.raises(Unauthorized) as caught:
        verify_room_password(world.deps, "lobby", PASSWORD + "!")
    assert caught.value.code is ErrorCode.BAD_PASSWORD
    # No guest was created for the failed attempt.
    assert len(world.store_factory.store.memberships) == 1


def test_unknown_room_is_not_found(world: World) -> None:
    with pytest.raises(NotFound) as caught:
        verify_room_password(world.deps, "nowhere", PASSWORD)
    assert caught.value.code is ErrorCode.ROOM_NOT_FOUND
    assert world.hasher.verify_calls == 0


def test_invalid_room_id_and_username_are_refused(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    with pytest.raises(InvalidInput) as caught:
        verify_room_password(world.deps, "../lobby", PASSWORD)
    assert caught.value.code is ErrorCode.INVALID_ROOM_ID
    with pytest.raises(InvalidInput) as caught:
        verify_room_password(world.deps, "lobby", PASSWORD, "bad\u200bname")
    assert caught.value.code is ErrorCode.INVALID_USERNAME
    assert world.hasher.verify_calls == 0


def test_over_long_password_is_refused_without_hashing(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    with pytest.raises(Unauthorized) as caught:
        verify_room_password(world.deps, "lobby", "x" * (PASSWORD_MAX_CHARS + 1))
    assert caught.value.code is ErrorCode.BAD_PASSWORD
    with pytest.raises(Unauthorized):
        verify_room_password(world.deps, "lobby", "x" * 1_000_000)
    assert world.hasher.verify_calls == 0

    # At the bound the password is hashed and compared as usual.
    with pytest.raises(Unauthorized):
        verify_room_password(world.deps, "lobby", "x" * PASSWORD_MAX_CHARS)
    assert world.hasher.verify_calls == 1


def test_longest_allowed_password_works(world: World) -> None:
    password = "p" * PASSWORD_MAX_CHARS
    create_room(world.deps, "lobby", password)
    assert verify_room_password(world.deps, "lobby", password).value.token


# --- send_message and read_history ------------------------------------------------------


def test_send_message_releases_the_posted_event(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby", "alice")
    outcome = send_message(world.deps, claims, "lobby", "hello")

    message = outcome.value
    assert message.text == "hello"
    assert message.room_id == "lobby"
    assert message.user_id == claims.user_id
    assert message.username == "alice"
    assert message.created_at_ms == world.clock.now_ms()
    assert outcome.events == [MessagePosted(message)]


def test_messages_are_stored_encrypted(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    text = "the launch code is 0000 — ünïcödé"
    message = send_message(world.deps, claims, "lobby", text).value

    (stored,) = world.store_factory.store.messages["lobby"]
    assert stored.id == message.id
    assert isinstance(stored.ciphertext, bytes)
    assert text.encode("utf-8") not in stored.ciphertext
    assert b"launch" not in stored.ciphertext
    assert world.cipher.decrypt(stored.ciphertext) == text.encode("utf-8")
    assert not hasattr(stored, "text")


def test_history_walks_pages_with_the_cursor(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    sent = []
    for i in range(250):
        world.clock.advance(ms=1)
        sent.append(send_message(world.deps, claims, "lobby", f"message {i}").value)
    sent_ids = [m.id for m in sent]
    assert sent_ids == sorted(sent_ids)

    first = read_history(world.deps, claims, "lobby", limit=100).value
    assert [m.text for m in first.messages] == [f"message {i}" for i in range(150, 250)]
    assert first.next_before == sent[150].id

    second = read_history(world.deps, claims, "lobby", 100, first.next_before).value
    assert [m.text for m in second.messages] == [f"message {i}" for i in range(50, 150)]
    assert second.next_before == sent[50].id

    third = read_history(world.deps, claims, "lobby", 100, second.next_before).value
    assert [m.text for m in third.messages] == [f"message {i}" for i in range(50)]
    assert third.next_before is None

    pages = third.messages + second.messages + first.messages
    assert pages == sent  # every field, decrypted, oldest first


def test_history_exactly_one_page_has_no_cursor(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    for i in range(3):
        send_message(world.deps, claims, "lobby", f"m{i}")
    page = read_history(world.deps, claims, "lobby", limit=3).value
    assert [m.text for m in page.messages] == ["m0", "m1", "m2"]
    assert page.next_before is None


def test_empty_history(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    page = read_history(world.deps, claims, "lobby").value
    assert page.messages == []
    assert page.next_before is None


def test_history_is_per_room(world: World) -> None:
    create_room(world.deps, "a", PASSWORD)
    create_room(world.deps, "b", PASSWORD)
    in_a, in_b = member_claims(world, "a"), member_claims(world, "b")
    send_message(world.deps, in_a, "a", "for a")
    send_message(world.deps, in_b, "b", "for b")
    assert [m.text for m in read_history(world.deps, in_a, "a").value.messages] == ["for a"]
    assert [m.text for m in read_history(world.deps, in_b, "b").value.messages] == ["for b"]


@pytest.mark.parametrize(
    ("limit", "before", "code"),
    [
        (0, None, ErrorCode.INVALID_LIMIT),
        (101, None, ErrorCode.INVALID_LIMIT),
        (10, "not-a-message-id", ErrorCode.INVALID_CURSOR),
    ],
)
def test_history_validates_limit_and_cursor(
    world: World, limit: int, before: str | None, code: ErrorCode
) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    with pytest.raises(InvalidInput) as caught:
        read_history(world.deps, claims, "lobby", limit, before)
    assert caught.value.code is code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("   ", ErrorCode.MESSAGE_EMPTY),
        ("x" * (16 * 1024 + 1), ErrorCode.MESSAGE_TOO_LONG),
        ("bad \ud800", ErrorCode.INVALID_MESSAGE),
    ],
)
def test_send_message_validates_text_and_stores_nothing(
    world: World, text: str, code: ErrorCode
) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    with pytest.raises(InvalidInput) as caught:
        send_message(world.deps, claims, "lobby", text)
    assert caught.value.code is code
    assert world.store_factory.store.messages == {}


# --- access -----------------------------------------------------------------------------


def test_token_of_another_room_is_forbidden(world: World) -> None:
    create_room(world.deps, "a", PASSWORD)
    create_room(world.deps, "b", PASSWORD)
    claims_a = member_claims(world, "a")

    with pytest.raises(Forbidden) as caught:
        send_message(world.deps, claims_a, "b", "sneaky")
    assert caught.value.code is ErrorCode.FORBIDDEN
    with pytest.raises(Forbidden):
        read_history(world.deps, claims_a, "b")
    with pytest.raises(Forbidden):
        join_room(world.deps, claims_a, "b", "conn")
    assert "b" not in world.store_factory.store.messages
    assert world.presence.count("b") == 0


def test_missing_or_forged_token_is_unauthorized(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    token = verify_room_password(world.deps, "lobby", PASSWORD).value.token
    for bad in (None, "", "garbage", token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")):
        with pytest.raises(Unauthorized) as caught:
            authenticate(world.deps, bad)
        assert caught.value.code is ErrorCode.UNAUTHORIZED


def test_expired_token_is_unauthorized(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    access = verify_room_password(world.deps, "lobby", PASSWORD).value
    claims = authenticate(world.deps, access.token)
    expiry_ms = claims.expires_at * 1000

    world.clock.set(expiry_ms - 1)
    send_message(world.deps, claims, "lobby", "just in time")
    assert authenticate(world.deps, access.token) == claims

    world.clock.set(expiry_ms)
    with pytest.raises(Unauthorized) as caught:
        authenticate(world.deps, access.token)
    assert caught.value.code is ErrorCode.UNAUTHORIZED
    # Claims verified earlier do not outlive the token either.
    with pytest.raises(Unauthorized):
        send_message(world.deps, claims, "lobby", "too late")
    with pytest.raises(Unauthorized):
        read_history(world.deps, claims, "lobby")
    with pytest.raises(Unauthorized):
        join_room(world.deps, claims, "lobby", "conn")
    assert len(world.store_factory.store.messages["lobby"]) == 1


def test_token_of_a_deleted_room_is_unauthorized(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    store = world.store_factory.store
    with store.lock:
        del store.rooms["lobby"]
    with pytest.raises(Unauthorized) as caught:
        send_message(world.deps, claims, "lobby", "anyone?")
    assert caught.value.code is ErrorCode.UNAUTHORIZED


def test_recreated_room_rejects_tokens_of_the_old_one(world: World) -> None:
    old_admin = create_room(world.deps, "lobby", PASSWORD).value
    old_member = member_claims(world, "lobby")
    old_admin_claims = authenticate(world.deps, old_admin.admin_token)
    store = world.store_factory.store
    old_incarnation = store.rooms["lobby"].incarnation

    with store.lock:
        del store.rooms["lobby"]
    new_admin = create_room(world.deps, "lobby", PASSWORD).value
    assert store.rooms["lobby"].incarnation != old_incarnation

    for claims in (old_member, old_admin_claims):
        with pytest.raises(Unauthorized) as caught:
            send_message(world.deps, claims, "lobby", "from the past")
        assert caught.value.code is ErrorCode.UNAUTHORIZED
        with pytest.raises(Unauthorized):
            read_history(world.deps, claims, "lobby")
        with pytest.raises(Unauthorized):
            join_room(world.deps, claims, "lobby", "conn")

    # The new incarnation's tokens work.
    new_claims = authenticate(world.deps, new_admin.admin_token)
    assert send_message(world.deps, new_claims, "lobby", "fresh").value.text == "fresh"
    assert member_claims(world, "lobby").incarnation == store.rooms["lobby"].incarnation


def test_changed_password_version_revokes_tokens(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    store = world.store_factory.store
    with store.lock:
        store.rooms["lobby"].password_version += 1
    with pytest.raises(Unauthorized):
        send_message(world.deps, claims, "lobby", "hi")


def test_open_room_checks_the_room_id(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby")
    with world.deps.uow() as uow, pytest.raises(InvalidInput):
        open_room(world.deps, uow, claims, "not/a/room")
    with world.deps.uow() as uow:
        room, grant = open_room(world.deps, uow, claims, "lobby")
    assert room.id == "lobby"
    assert grant == Grant("lobby", claims.user_id, claims.username, Role.MEMBER)


# --- presence ---------------------------------------------------------------------------


def test_join_and_leave_count_presence_and_emit_events(world: World) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    alice = member_claims(world, "lobby", "alice")
    bob = member_claims(world, "lobby", "bob")

    joined = join_room(world.deps, alice, "lobby", "c-alice")
    grant_alice = joined.value
    assert grant_alice == Grant("lobby", alice.user_id, "alice", Role.MEMBER)
    assert joined.events == [PresenceChanged("lobby", alice.user_id, "alice", True, 1)]

    grant_bob = join_room(world.deps, bob, "lobby", "c-bob").value
    # Alice on a second tab counts as another connection.
    second_tab = join_room(world.deps, alice, "lobby", "c-alice-2")
    assert second_tab.events == [PresenceChanged("lobby", alice.user_id, "alice", True, 3)]
    assert world.presence.count("lobby") == 3

    left = leave_room(world.deps, grant_alice, "c-alice")
    assert left.value is None
    assert left.events == [PresenceChanged("lobby", alice.user_id, "alice", False, 2)]
    # Leaving twice is a no-op without an event.
    assert leave_room(world.deps, grant_alice, "c-alice").events == []

    leave_room(world.deps, grant_alice, "c-alice-2")
    last = leave_room(world.deps, grant_bob, "c-bob")
    assert last.events == [PresenceChanged("lobby", bob.user_id, "bob", False, 0)]
    assert world.presence.count("lobby") == 0


def test_presence_is_per_room(world: World) -> None:
    create_room(world.deps, "a", PASSWORD)
    create_room(world.deps, "b", PASSWORD)
    join_room(world.deps, member_claims(world, "a"), "a", "c1")
    grant_b = join_room(world.deps, member_claims(world, "b"), "b", "c2").value
    assert (world.presence.count("a"), world.presence.count("b")) == (1, 1)
    # A connection unknown to the room is not counted out of it.
    assert leave_room(world.deps, grant_b, "c1").events == []
    assert world.presence.count("a") == 1


def test_passwords_with_lone_surrogates_are_refused_cleanly(world: World) -> None:
    with pytest.raises(InvalidInput) as caught:
        create_room(world.deps, "lobby", "\ud800" * 8)
    assert caught.value.code is ErrorCode.INVALID_PASSWORD
    create_room(world.deps, "lobby", PASSWORD)
    with pytest.raises(Unauthorized) as refused:
        verify_room_password(world.deps, "lobby", "pass\udc00word")
    assert refused.value.code is ErrorCode.BAD_PASSWORD
    assert world.hasher.verify_calls == 0


def test_history_marks_a_message_no_key_opens_and_serves_the_rest(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    create_room(world.deps, "lobby", PASSWORD)
    claims = member_claims(world, "lobby", "dana")
    sent = []
    for text in ("first", "lost", "last"):
        world.clock.advance(ms=1)
        sent.append(send_message(world.deps, claims, "lobby", text).value)
    rows = world.store_factory.store.messages["lobby"]
    foreign = Fernet(Fernet.generate_key()).encrypt(b"lost")
    rows[1] = replace(rows[1], ciphertext=foreign)

    with caplog.at_level("WARNING", logger="securechat.history"):
        page = read_history(world.deps, claims, "lobby").value

    assert [m.text for m in page.messages] == ["first", "", "last"]
    assert [m.unreadable for m in page.messages] == [False, True, False]
    assert page.messages[1] == replace(sent[1], text="", unreadable=True)
    assert [r.getMessage() for r in caplog.records] == [
        f"message {sent[1].id} in room lobby cannot be decrypted with the configured keys; "
        "shown as unreadable"
    ]
