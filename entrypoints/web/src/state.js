// What the page is now (one room at a time), and the small helpers every part of it uses.

export const $ = (id) => document.getElementById(id);

export const state = {
  roomId: null,
  token: null, // what this page chats with: a guest's room token, or the account's access token
  adminToken: null, // the room's admin token, only in the browser that created the room
  account: null, // {userId, username, refreshToken} when signed in
  admin: false, // the signed-in user is an admin of the room (its access token proves it)
  refreshTimer: null, // renews this page's token (a guest's room token, an account's access token)
  renewing: null, // the renewal under way, if any
  renewedAt: 0,
  userId: null,
  username: null, // this page's name in the room (a guest's, or the account's)
  socket: null,
  stream: null, // the room's change stream as this page has applied it (delivery.js)
  outbox: null, // what was typed and is not yet stored (delivery.js)
  seen: new Set(), // ids of the messages shown
  older: null, // the cursor of the next older page; null at the start of history
  loadingOlder: false,
  typingSentAt: 0,
  typingTimer: null,
  present: new Map(), // user_id -> {user_id, username, guest}: who is in the room now
  wantsNotices: false, // desktop notifications, turned on by a click (attention.js)
  ended: null, // why this page is out of its room for good (a reason code), else null
  rotating: null, // the new admin credential this page chats with, while it is replaced
};

export function showError(id, error) {
  const el = $(id);
  el.textContent = error ? error.message || String(error) : "";
  el.hidden = !error;
}

export function setConnection(kind, text) {
  const el = $("connection");
  el.dataset.state = kind;
  el.hidden = kind === "idle"; // shown only once a connection is wanted
  el.textContent = text;
}

export function adminCredential() {
  if (state.adminToken) return state.adminToken;
  return state.admin ? state.token : null;
}
