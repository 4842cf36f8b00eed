"""An admin changes a room's settings: message limit, join password, IP policy."""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.model.addresses import IpPolicy, check_ip_policy
from domain.model.audit import AuditAction
from domain.model.errors import ErrorCode, InvalidInput
from domain.model.events import AddressesNarrowed
from domain.model.policies import Credential
from domain.model.rooms import RoomSettings, check_message_limit, check_new_password
from domain.model.sessions import EndReason
from domain.usecases.access import reload_room
from domain.usecases.admin_access import open_as_admin, revoked
from domain.usecases.audit_trail import note
from domain.usecases.deps import Deps, Outcome
from domain.usecases.room_networks import keep_yourself_in, verified_networks


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """What a PATCH asks to change; None leaves a field as it is (`message_limit` is
    cleared with `clear_message_limit`)."""

    message_limit: int | None = None
    clear_message_limit: bool = False
    password: str | None = None
    ip_policy: str | None = None


@dataclass(frozen=True, slots=True)
class SettingsChanged:
    settings: RoomSettings
    password_changed: bool


def _changed(change: SettingsChange) -> str:
    """Which settings a change names (never the password itself)."""
    names = [
        name
        for name, given in (
            ("message_limit", change.message_limit is not None or change.clear_message_limit),
            ("password", change.password is not None),
            ("ip_policy", change.ip_policy is not None),
        )
        if given
    ]
    return ",".join(names)


def update_settings(
    deps: Deps, claims: Credential, room_id: str, change: SettingsChange, client: str = ""
) -> Outcome[SettingsChanged]:
    """Change a room's settings. A new join password revokes every guest room token issued
    before it (admin tokens and members stay: they never depended on the password)."""
    limit = check_message_limit(change.message_limit)
    policy = check_ip_policy(change.ip_policy) if change.ip_policy is not None else None
    if change.password is not None:
        check_new_password(change.password)
    with deps.uow() as uow:  # refuse a non-admin before any hashing
        room, grant = open_as_admin(deps, uow, claims, room_id, client)
    # Outside any transaction: argon2 is slow on purpose.
    admin_hash = room.admin_password_hash
    if (
        change.password is not None
        and admin_hash
        and deps.hasher.verify(admin_hash, change.password)
    ):
        raise InvalidInput(
            ErrorCode.INVALID_PASSWORD, "the join password must differ from the admin password"
        )
    password_hash = deps.hasher.hash(change.password) if change.password is not None else None
    with deps.uow(write=True) as uow:
        current = reload_room(uow, room)
        open_as_admin(deps, uow, claims, room_id, client)  # still an admin after the hash
        if change.clear_message_limit:
            current.settings = replace(current.settings, message_limit=None)
        elif limit is not None:
            current.settings = replace(current.settings, message_limit=limit)
        if password_hash is not None:
            current.password_hash = password_hash
            current.password_version += 1
            uow.record(revoked(current, EndReason.ROOM_PASSWORD_CHANGED))
        if policy is not None and policy is not current.settings.ip_policy:
            if policy is IpPolicy.REQUIRE:
                networks = verified_networks(uow, current)
                keep_yourself_in(current, grant, networks, client)
                uow.record(AddressesNarrowed(current.id, tuple(networks), current.owner))
            current.settings = replace(current.settings, ip_policy=policy)
        uow.rooms.update(current)
        note(
            deps,
            uow,
            AuditAction.SETTINGS_CHANGED,
            grant.user_id,
            current,
            None,
            client,
            _changed(change),
        )
        if password_hash is not None:
            note(deps, uow, AuditAction.PASSWORD_CHANGED, grant.user_id, current, None, client)
        uow.commit()
        events = uow.collect_events()
    return Outcome(SettingsChanged(current.settings, password_hash is not None), events)
