"""An admin verifies an address or range for the room's IP policy."""

from __future__ import annotations

from domain.model.addresses import RoomNetwork, check_network, within
from domain.model.audit import AuditAction
from domain.model.policies import Credential
from domain.usecases.admin_access import open_as_admin
from domain.usecases.audit_trail import note
from domain.usecases.deps import Deps, Outcome
from domain.usecases.room_networks import Networks, networks_of


def verify_ip(
    deps: Deps, claims: Credential, room_id: str, ip: str, client: str = ""
) -> Outcome[Networks]:
    """Add an address or range (no wider than a /16 or /48) to the room's verified list;
    the pending addresses inside it are verified with it."""
    network = check_network(ip)
    now = deps.clock.now_ms()
    with deps.uow(write=True) as uow:
        room, grant = open_as_admin(deps, uow, claims, room_id, client)
        for entry in uow.networks.of_room(room.id):
            if not entry.verified and within(entry.network.partition("/")[0], [network]):
                uow.networks.delete(room.id, entry.network)
        uow.networks.put(RoomNetwork(room.id, network, True, now))
        note(deps, uow, AuditAction.IP_VERIFIED, grant.user_id, room, None, client, network)
        uow.commit()
    return Outcome(networks_of(deps, room))
