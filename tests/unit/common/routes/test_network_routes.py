"""routes_admin.py's IP verification entries, called directly, and the IP policies they serve."""

from __future__ import annotations

import pytest

from domain.model.events import AddressesNarrowed
from tests.support import PASSWORD, World
from tests.unit.common.routes.harness import (
    Answered,
    Http,
    admin_member_token,
    assert_error,
    covered,
)

HOME = "203.0.113.7"  # the admin's address in these tests


OFFICE = "198.51.100.0/24"


def _ip(http: Http, endpoint: str, ip: str, token: str | None) -> Answered:
    return http.call(endpoint, json_body={"room_id": "lobby", "ip": ip}, token=token, client=HOME)


def _policy(http: Http, policy: str, token: str) -> Answered:
    return http.call(
        "update_settings",
        path={"room_id": "lobby"},
        json_body={"ip_policy": policy},
        token=token,
        client=HOME,
    )


@covered.success("verify_ip")
@covered.success("revoke_ip")
def test_verified_networks_are_listed_and_revoked(http: Http, world: World) -> None:
    admin = http.room()
    verified = _ip(http, "verify_ip", OFFICE, admin)
    assert (verified.status, verified.body) == (
        200,
        {"room_id": "lobby", "ip_policy": "off", "verified_ips": [OFFICE], "pending_ips": []},
    )
    assert _ip(http, "verify_ip", "2001:db8:1::/48", admin).status == 200
    single = _ip(http, "verify_ip", "::ffff:192.0.2.1", admin)  # one spelling: unmapped
    assert single.body["verified_ips"] == ["192.0.2.1/32", OFFICE, "2001:db8:1::/48"]
    revoked = _ip(http, "revoke_ip", OFFICE, admin)
    assert revoked.status == 200
    assert revoked.body["verified_ips"] == ["192.0.2.1/32", "2001:db8:1::/48"]


@covered.refusal("verify_ip")
@pytest.mark.parametrize(
    ("ip", "code"),
    [
        ("10.0.0.0/8", "range_too_wide"),
        ("2001:db8::/32", "range_too_wide"),
        ("10.0.0.1/24", "invalid_address"),  # host bits set
        ("not an address", "invalid_address"),
        ("10.0.0.0/33", "invalid_address"),
        ("", "invalid_address"),
    ],
)
def test_verify_ip_refuses_what_is_not_a_narrow_enough_network(
    http: Http, world: World, ip: str, code: str
) -> None:
    admin = http.room()
    assert_error(_ip(http, "verify_ip", ip, admin), 400, code)
    assert world.store_factory.store.networks.get("lobby", {}) == {}


@covered.refusal("revoke_ip")
def test_revoke_ip_refuses_an_unlisted_network_and_a_non_admin(http: Http) -> None:
    admin = http.room()
    assert_error(_ip(http, "revoke_ip", OFFICE, admin), 404, "network_not_found")
    _ip(http, "verify_ip", OFFICE, admin)
    assert_error(_ip(http, "revoke_ip", OFFICE, http.member()), 403, "admin_required")


def test_allow_lets_a_verified_address_in_without_the_password(http: Http) -> None:
    admin = http.room()
    _ip(http, "verify_ip", OFFICE, admin)
    no_password = {"username": "desk"}
    path = {"room_id": "lobby"}
    # `off`: a password is needed, from anywhere.
    refused = http.call("verify_room", path=path, json_body=no_password, client="198.51.100.9")
    assert_error(refused, 401, "bad_password")
    assert _policy(http, "allow", admin).status == 200
    got = http.call("verify_room", path=path, json_body=no_password, client="198.51.100.9")
    assert got.status == 200 and got.body["username"] == "desk"
    outside = http.call("verify_room", path=path, json_body=no_password, client="192.0.2.50")
    assert_error(outside, 403, "ip_not_verified")
    # The password still works from anywhere under `allow`.
    with_password = http.call(
        "verify_room", path=path, json_body={"password": PASSWORD}, client="192.0.2.50"
    )
    assert with_password.status == 200


def test_require_wants_a_verified_address_for_every_request_and_records_pending(
    http: Http, world: World
) -> None:
    http.room()
    owner = world.store_factory.store.rooms["lobby"].owner
    admin = admin_member_token(http)  # a co-admin: `require` applies to it
    guest = http.member()
    path = {"room_id": "lobby"}
    # Switching would lock the co-admin out until its own address is verified.
    assert_error(_policy(http, "require", admin), 403, "ip_not_verified")
    _ip(http, "verify_ip", f"{HOME}/32", admin)
    switched = _policy(http, "require", admin)
    assert switched.status == 200 and switched.body["settings"]["ip_policy"] == "require"
    assert switched.events == [AddressesNarrowed("lobby", (f"{HOME}/32",), owner)]

    # Tokens included: the guest's, from an unverified address, is refused.
    stranger = "192.0.2.50"
    for endpoint, body in (("list_messages", None), ("post_message", {"message": "hi"})):
        refused = http.call(endpoint, path=path, json_body=body, token=guest, client=stranger)
        assert_error(refused, 403, "ip_not_verified")
    assert http.call("list_messages", path=path, token=guest, client=HOME).status == 200
    # The right password from a new address: refused, and pending for the admins.
    bought = http.call("verify_room", path=path, json_body={"password": PASSWORD}, client=stranger)
    assert_error(bought, 403, "ip_not_verified")
    overview = http.call("room_overview", path=path, token=admin, client=HOME)
    assert overview.body["pending_ips"] == [f"{stranger}/32"]
    # A wrong password from anywhere records nothing.
    wrong = http.call(
        "verify_room", path=path, json_body={"password": "nope nope"}, client="192.0.2.51"
    )
    assert_error(wrong, 401, "bad_password")
    # Verifying the range takes the pending address with it; then it gets in.
    _ip(http, "verify_ip", "192.0.2.0/24", admin)
    overview = http.call("room_overview", path=path, token=admin, client=HOME)
    assert overview.body["pending_ips"] == []
    again = http.call("verify_room", path=path, json_body={"password": PASSWORD}, client=stranger)
    assert again.status == 200
    # Revoking your own address under `require` would lock you out.
    assert_error(_ip(http, "revoke_ip", f"{HOME}/32", admin), 403, "ip_not_verified")
