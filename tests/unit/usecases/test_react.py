"""domain/usecases/react.py over the memory adapters: toggling a reaction, who may, what is
refused (and then changes nothing), and history showing them."""

from __future__ import annotations

import dataclasses

import pytest

from adapters.memory.unit_of_work import MemoryUnitOfWork, MemoryUnitOfWorkFactory
from domain.model.errors import ChatError, ErrorCode
from domain.model.events import ReactionsChanged
from domain.model.policies import Claims
from domain.model.reactions import MAX_REACTIONS_PER_MESSAGE
from domain.usecases.access import authenticate
from domain.usecases.act_on_member import Action, act_on_member
from domain.usecases.clear_history import clear_history
from domain.usecases.create_room import create_room
from domain.usecases.delete_message import delete_message
from domain.usecases.join_as_member import join_as_member
from domain.usecases.react import react
from domain.usecases.read_history import read_history
from domain.usecases.send_message import send_message
from tests.support import PASSWORD, World, member_claims, signed_in_user

THUMBS, HEART = "\U0001f44d", "\u2764\ufe0f"


def _room(world: World, room_id: str = "lobby") -> Claims:
    """The room's admin claims."""
    return authenticate(world.deps, create_room(world.deps, room_id, PASSWORD).value.admin_token)


def _stored(world: World) -> dict[str, dict[str, dict[tuple[str, str], int]]]:
    """room id -> message id -> {(user id, reaction): at}, as the memory store holds them."""
    return world.store_factory.store.reactions


def _refused(code: ErrorCode, call: object) -> None:
    assert callable(call)
    with pytest.raises(ChatError) as caught:
        call()
    assert caught.value.code is code


def test_a_reaction_toggles_on_and_off_and_tells_the_room(world: World) -> None:
    _room(world)
    alice, bob = member_claims(world, "lobby", "alice"), member_claims(world, "lobby", "bob")
    message = send_message(world.deps, alice, "lobby", "hi").value

    on = react(world.deps, bob, "lobby", message.id, THUMBS)
    assert (on.value.on, on.value.reactions) == (True, {THUMBS: [bob.user_id]})
    changed = ReactionsChanged(
        "lobby",
        message.id,
        {THUMBS: [bob.user_id]},
        2,
        world.store_factory.store.rooms["lobby"].incarnation,
    )
    assert on.events == [changed]
    world.clock.advance(ms=1)
    both = react(world.deps, alice, "lobby", message.id, THUMBS).value.reactions
    assert both == {THUMBS: [bob.user_id, alice.user_id]}

    off = react(world.deps, bob, "lobby", message.id, THUMBS)
    assert (off.value.on, off.value.reactions) == (False, {THUMBS: [alice.user_id]})
    changed = ReactionsChanged(
        "lobby",
        message.id,
        {THUMBS: [alice.user_id]},
        4,
        world.store_factory.store.rooms["lobby"].incarnation,
    )
    assert off.events == [changed]
    react(world.deps, alice, "lobby", message.id, THUMBS)
    assert _stored(world).get("lobby", {}) == {}


def test_history_shows_each_messages_reactions(world: World) -> None:
    _room(world)
    alice = member_claims(world, "lobby", "alice")
    first, second, third = (
        send_message(world.deps, alice, "lobby", text).value for text in ("a", "b", "c")
    )
    react(world.deps, alice, "lobby", first.id, THUMBS)
    react(world.deps, alice, "lobby", third.id, HEART)

    page = read_history(world.deps, alice, "lobby").value

    assert page.reactions == {
        first.id: {THUMBS: [alice.user_id]},
        third.id: {HEART: [alice.user_id]},
    }
    assert second.id not in page.reactions


class CountingFactory(MemoryUnitOfWorkFactory):
    """The real memory storage, counting what history asks of the reactions."""

    def __init__(self, inner: MemoryUnitOfWorkFactory) -> None:
        super().__init__(inner.store)
        self.asked: list[list[str]] = []

    def __call__(self, *, write: bool = False) -> MemoryUnitOfWork:
        uow = super().__call__(write=write)
        of_messages = uow.reactions.of_messages

        def counted(room_id: str, message_ids: object) -> object:
            self.asked.append(list(message_ids))  # type: ignore[call-overload]
            return of_messages(room_id, message_ids)  # type: ignore[arg-type]

        uow.reactions.of_messages = counted  # type: ignore[assignment, method-assign]
        return uow


def test_history_reads_a_pages_reactions_at_once(world: World) -> None:
    _room(world)
    alice = member_claims(world, "lobby", "alice")
    sent = [send_message(world.deps, alice, "lobby", f"m{i}").value for i in range(7)]
    for message in sent:
        react(world.deps, alice, "lobby", message.id, THUMBS)
    counting = CountingFactory(world.store_factory)
    deps = dataclasses.replace(world.deps, uow=counting)

    page = read_history(deps, alice, "lobby", limit=5).value

    assert counting.asked == [[m.id for m in reversed(sent[2:])]]  # one call, the page's
    assert len(page.reactions) == 5


def test_a_user_member_reacts_with_its_account(world: World) -> None:
    _room(world)
    signed, claims = signed_in_user(world, "carol")
    join_as_member(world.deps, claims, "lobby", PASSWORD)
    message = send_message(world.deps, claims, "lobby", "mine").value

    done = react(world.deps, claims, "lobby", message.id, HEART, user_id=claims.user_id)

    assert done.value.reactions == {HEART: [signed.user_id]}


def test_refusals_change_nothing(world: World) -> None:
    _room(world)
    _room(world, "other")
    alice = member_claims(world, "lobby", "alice")
    stranger = member_claims(world, "other", "stranger")
    message = send_message(world.deps, alice, "lobby", "hi").value
    elsewhere = send_message(world.deps, stranger, "other", "there").value
    deps = world.deps

    _refused(ErrorCode.FORBIDDEN, lambda: react(deps, stranger, "lobby", message.id, THUMBS))
    _refused(ErrorCode.MESSAGE_NOT_FOUND, lambda: react(deps, alice, "lobby", elsewhere.id, THUMBS))
    _refused(
        ErrorCode.IDENTITY_MISMATCH,
        lambda: react(deps, alice, "lobby", message.id, THUMBS, user_id=stranger.user_id),
    )
    hostile = (
        THUMBS + "\ufe0f\ufe0f",  # repeated selectors
        THUMBS + "\U0001f3fd\U0001f3fd",  # a repeated skin tone
        THUMBS + "\U000e0067\U000e007f",  # trailing tags
        "\U0001fc00",  # unassigned
        "\U0001f130",  # 🄰
        "\U0001f3fd",  # a skin tone alone
    )
    for bad in ("", "abc", "<b>", "x" * 200, THUMBS + HEART, "1", *hostile):
        _refused(
            ErrorCode.INVALID_REACTION, lambda b=bad: react(deps, alice, "lobby", message.id, b)
        )
    _refused(ErrorCode.INVALID_MESSAGE_ID, lambda: react(deps, alice, "lobby", "nope", THUMBS))
    _refused(ErrorCode.INVALID_ROOM_ID, lambda: react(deps, alice, "no room!", message.id, THUMBS))
    assert _stored(world) == {}


def test_spellings_of_one_emoji_are_one_reaction_in_its_one_form(world: World) -> None:
    _room(world)
    alice, bob = member_claims(world, "lobby", "alice"), member_claims(world, "lobby", "bob")
    carol = member_claims(world, "lobby", "carol")
    message = send_message(world.deps, alice, "lobby", "hi").value

    for who, thumbs in ((alice, THUMBS), (bob, THUMBS + "\ufe0f"), (carol, THUMBS + "\ufe0e")):
        world.clock.advance(ms=1)
        react(world.deps, who, "lobby", message.id, thumbs)
    heart = react(world.deps, alice, "lobby", message.id, "\u2764")  # unqualified
    assert heart.value.reactions == {
        THUMBS: [alice.user_id, bob.user_id, carol.user_id],
        HEART: [alice.user_id],
    }
    changed = ReactionsChanged(
        "lobby",
        message.id,
        heart.value.reactions,
        5,
        world.store_factory.store.rooms["lobby"].incarnation,
    )
    assert heart.events == [changed]  # the post, three thumbs, then the heart
    # Another spelling of one it holds takes it back.
    off = react(world.deps, bob, "lobby", message.id, THUMBS + "\ufe0e")
    assert off.value.on is False
    off = react(world.deps, alice, "lobby", message.id, "\u2764\ufe0e")
    assert off.value.reactions == {THUMBS: [alice.user_id, carol.user_id]}
    assert set(_stored(world)["lobby"][message.id]) == {
        (alice.user_id, THUMBS),
        (carol.user_id, THUMBS),
    }


def test_a_kicked_member_may_not_react(world: World) -> None:
    admin = _room(world)
    alice = member_claims(world, "lobby", "alice")
    message = send_message(world.deps, alice, "lobby", "hi").value
    act_on_member(world.deps, admin, "lobby", alice.user_id, Action.KICK)

    _refused(ErrorCode.KICKED, lambda: react(world.deps, alice, "lobby", message.id, THUMBS))
    assert _stored(world) == {}


def test_a_message_holds_a_bounded_number_of_different_emoji(world: World) -> None:
    _room(world)
    alice, bob = member_claims(world, "lobby", "alice"), member_claims(world, "lobby", "bob")
    message = send_message(world.deps, alice, "lobby", "popular").value
    emoji = [chr(0x1F600 + i) for i in range(MAX_REACTIONS_PER_MESSAGE)]
    for one in emoji:
        react(world.deps, alice, "lobby", message.id, one)

    _refused(
        ErrorCode.TOO_MANY_REACTIONS,
        lambda: react(world.deps, bob, "lobby", message.id, THUMBS),
    )
    # Joining one it has, and taking one back, still work.
    assert react(world.deps, bob, "lobby", message.id, emoji[0]).value.on is True
    assert react(world.deps, alice, "lobby", message.id, emoji[1]).value.on is False
    assert len(_stored(world)["lobby"][message.id]) == MAX_REACTIONS_PER_MESSAGE


def test_reactions_go_when_their_message_or_the_history_goes(world: World) -> None:
    admin = _room(world)
    alice = member_claims(world, "lobby", "alice")
    deleted, cleared = (send_message(world.deps, alice, "lobby", t).value for t in ("a", "b"))
    for message in (deleted, cleared):
        react(world.deps, alice, "lobby", message.id, THUMBS)

    delete_message(world.deps, alice, "lobby", deleted.id)
    assert set(_stored(world)["lobby"]) == {cleared.id}
    clear_history(world.deps, admin, "lobby")
    assert _stored(world).get("lobby", {}) == {}
