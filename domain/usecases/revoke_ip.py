"""An admin removes an address or range from the room's lists."""

from __future__ import annotations

from domain.model.addresses import IpPolicy, check_network
from domain.model.audit import AuditAction
from domain.model.errors import ErrorCode, NotFound
from domain.model.events import AddressesNarrowed
from domain.model.policies import Credential
from domain.usecases.admin_access import open_as_admin
from domain.usecases.audit_trail import note
from domain.usecases.deps import Deps, Outcome
from domain.usecases.room_networks import Networks, keep_yourself_in, networks_of


def revoke_ip(
    deps: Deps, claims: Credential, room_id: str, ip: str, client: str = ""
) -> Outcome[Networks]:
    """Remove an address or range from the room's verified (or pending) list; under `require`
    its sockets from other addresses leave, and an admin may not revoke its own network."""
    network = check_network(ip)
    with deps.uow(write=True) as uow:
        room, grant = open_as_admin(deps, uow, claims, room_id, client)
        entries = {e.network: e for e in uow.networks.of_room(room.id)}
        if network not in entries:
            raise NotFound(ErrorCode.NETWORK_NOT_FOUND, "this network is not on the room's list")
        uow.networks.delete(room.id, network)
        if room.settings.ip_policy is IpPolicy.REQUIRE and entries[network].verified:
            left = [n for n, e in entries.items() if e.verified and n != network]
            keep_yourself_in(room, grant, left, client)
            uow.record(AddressesNarrowed(room.id, tuple(left), room.owner))
        note(deps, uow, AuditAction.IP_REVOKED, grant.user_id, room, None, client, network)
        uow.commit()
        events = uow.collect_events()
    return Outcome(networks_of(deps, room), events)
