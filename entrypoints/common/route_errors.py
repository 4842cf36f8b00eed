"""What several routes answer besides success, as the OpenAPI document says it."""

from __future__ import annotations

from collections.abc import Mapping

MALFORMED = (
    "Malformed JSON, wrong content type, a missing, mistyped or unexpected field, or a value "
    "that breaks a rule (see `code`)."
)
TOO_LARGE = "The request body is over SECURECHAT_MAX_REQUEST_BYTES (`payload_too_large`)."
UNAUTHORIZED = (
    "No, expired, forged or revoked token (`unauthorized`); a user token of a sign-in that "
    "was logged out or whose refresh token was replayed is revoked."
)
NOT_GRANTED = (
    "A valid token that does not grant this room (`forbidden`): a room token of another "
    "room, or a user token whose user has not joined this room (`POST /chat/{room_id}/join`)."
)
NOT_ADMIN = (
    "A valid token that does not grant this room (`forbidden`), or grants it without admin "
    "rights (`admin_required`): a guest's room token, or a user token of a plain member."
)
ADMIN_UNAUTHORIZED = (
    "No, expired, forged or revoked token and no admin password (`unauthorized`): an admin "
    "token dies with its room's incarnation and when it is rotated. A wrong admin password "
    "(`bad_password`)."
)
NOT_OWNER = "An admin that is not the room's owner (`owner_required`)."
MISSING_ROOM = "With an admin password: no such room (`room_not_found`)."
BAD_ROOM_ID = "Not a room id (`invalid_room_id`)."
LIMITED = "Too many attempts from this address, or on this room (`rate_limited`): see Retry-After."
NOT_A_SEGMENT = "The room id is not one path segment (`not_found`)."
PAGE_NOT_BUILT = "The web page was not built on this server (`page_not_built`)."
NO_QUERY = "A query parameter (`invalid_query`): this route takes none."

# What an admin route with the room in its path answers besides success.
ADMIN_ERRORS: Mapping[int, str] = {
    429: LIMITED,
    400: MALFORMED,
    401: ADMIN_UNAUTHORIZED,
    403: NOT_ADMIN,
    404: NOT_A_SEGMENT,
    413: TOO_LARGE,
}
