// Why a page is out of its room, in words, and whether joining it again makes sense. The
// reasons are the server's stable codes: the `reason` of kicked, banned, room_deleted and
// ip_not_verified, and of session_ended (README, "Socket.IO").

const ENDINGS = {
  kicked: { text: "An admin removed you from this room for a while.", rejoin: true },
  banned: { text: "An admin banned you from this room.", rejoin: false },
  room_deleted: { text: "This room was deleted.", rejoin: false },
  ip_not_verified: {
    text: "This room now admits verified addresses only; ask its admin to verify yours.",
    rejoin: true,
  },
  token_expired: { text: "Your session in this room ran out.", rejoin: true },
  session_expired: { text: "Your guest session ended; join again to go on.", rejoin: true },
  logged_out: { text: "You signed out.", rejoin: false },
  refresh_token_reused: {
    text: "Your sign-in was used from somewhere else, so it was ended to keep your account safe. Sign in again.",
    rejoin: false,
  },
  room_password_changed: {
    text: "The room's password was changed; join again with the new one.",
    rejoin: true,
  },
  admin_token_rotated: {
    text: "The room's admin credential was replaced; this one no longer works.",
    rejoin: true,
  },
  server_disconnect: { text: "The server ended this connection.", rejoin: true },
};

export function ending(reason) {
  return ENDINGS[reason] || { text: "You are no longer in this room.", rejoin: true };
}
