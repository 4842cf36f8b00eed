// A reload keeps you where you were: the same room, the same identity, a creator's admin
// rights. The page starts a page session when it enters a room; the server keeps it behind
// an HttpOnly, SameSite=Strict cookie limited to /session (no script here can read it, and
// nothing is put in localStorage, sessionStorage or document.cookie). On load the page
// resumes it: the cookie is spent and a new one set, and the answer carries a fresh token.

import { call } from "/static/api.js";

const WITH_COOKIE = "same-origin";
let ending = Promise.resolve(null); // an end under way: a start waits for it (its answer clears the cookie)

// Begin a session for the room this page just entered with `token` (a guest's room token,
// a creator's admin token, or an account's access token). Best effort: a page that could
// not start one is merely not resumed after a reload.
export async function startSession(roomId, token) {
  await ending;
  try {
    await call("POST", "/session/start", {
      body: { room_id: roomId },
      token,
      credentials: WITH_COOKIE,
    });
  } catch {
    // Nothing to undo: the room works the same without a session.
  }
}

// What the cookie's session resumes, or null (no cookie, or the room no longer grants it:
// the server cleared the cookie then). For an account, `account` is what signing in gives.
export async function resumeSession() {
  let resumed;
  try {
    resumed = await call("POST", "/session/resume", { body: {}, credentials: WITH_COOKIE });
  } catch {
    return null;
  }
  const account =
    resumed.token_kind === "user"
      ? {
          user_id: resumed.user_id,
          username: resumed.username,
          access_token: resumed.token,
          refresh_token: resumed.refresh_token,
          expires_in: resumed.expires_in,
        }
      : null;
  return {
    roomId: resumed.room_id,
    userId: resumed.user_id,
    username: resumed.username,
    admin: resumed.role === "admin",
    account,
    token: resumed.token,
    expiresIn: resumed.expires_in,
    // A room token whose role is admin is the creator's admin token: its dashboard again.
    adminToken: !account && resumed.role === "admin" ? resumed.token : null,
  };
}

// This page leaves its room on purpose: a reload then shows the entry form.
export function endSession() {
  ending = call("POST", "/session/end", { body: {}, credentials: WITH_COOKIE }).catch(() => null);
  return ending;
}
