// Tokens renewed before they end, so that a person in a room for hours is never dropped.
// A guest gets a fresh room token of the same identity (POST /chat/<room>/renew, with its
// current one), an account a fresh access token (its refresh flow); then the live socket
// goes on with it (`renew`), without reconnecting, and its next reconnect uses it too.
// It runs on the server's `token_expiring` and on a timer of its own (which also covers a
// socket that is down when the warning would have come).

import { call, roomPath } from "/static/api.js";

export const RENEW_SPACING_MS = 3000; // two renewals this close together are one

// When to renew a token that lasts `expiresIn` seconds: a minute before its end, or
// halfway for a short one.
export function renewDelayMs(expiresIn) {
  const seconds = expiresIn > 120 ? expiresIn - 60 : expiresIn / 2;
  // A timer longer than 2^31 - 1 ms fires at once: an admin token lives 30 days, so a
  // creator's timer waits the longest a timer can (and is set again then).
  return Math.min(Math.max(1, seconds) * 1000, MAX_TIMER_MS);
}

const MAX_TIMER_MS = 2 ** 31 - 1;

// A guest's fresh room token: {token, expires_in, user_id, username}.
export function renewRoomToken(roomId, token) {
  return call("POST", `${roomPath(roomId)}/renew`, { token });
}

// The live socket goes on with `token`; resolves with the ack, or null when it is not
// connected (its next connect carries the token in `auth`).
export function renewSocket(socket, token) {
  if (!socket) return Promise.resolve(null);
  socket.auth = { token };
  if (!socket.connected) return Promise.resolve(null);
  return new Promise((resolve) => {
    socket.timeout(10000).emit("renew", { token }, (error, ack) => resolve(error ? null : ack));
  });
}
