// An account: signing in and out, and this page's token renewed in time (an account's
// refresh flow, a guest's room-token renewal: session.js).

import { call } from "/static/api.js";
import { RENEW_SPACING_MS, renewDelayMs, renewRoomToken, renewSocket } from "/static/session.js";
import { endRoom, leave } from "/static/room.js";
import { $, showError, state } from "/static/state.js";

export function signedIn(result) {
  state.account = {
    userId: result.user_id,
    username: result.username,
    refreshToken: result.refresh_token,
  };
  state.token = result.access_token;
  if (state.socket) state.socket.auth = { token: state.token }; // for its next reconnect
  scheduleRenewal(result.expires_in); // access tokens are short-lived
  $("account-user").textContent = result.username;
  $("account-form").hidden = true;
  $("account-status").hidden = false;
  $("display-name").disabled = true;
}

export function scheduleRenewal(expiresIn) {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(renew, renewDelayMs(expiresIn));
}

// A fresh token for this page (an account's refresh flow, a guest's room-token renewal),
// then the live socket goes on with it. On the server's `token_expiring` and on a timer.
export function renew() {
  if (state.renewing || Date.now() - state.renewedAt < RENEW_SPACING_MS) return state.renewing;
  state.renewing = renewing().finally(() => {
    state.renewing = null;
  });
  return state.renewing;
}

async function renewing() {
  try {
    if (state.account) {
      const body = { refresh_token: state.account.refreshToken };
      signedIn(await call("POST", "/auth/refresh", { body }));
    } else if (state.roomId && state.token && !state.ended) {
      const access = await renewRoomToken(state.roomId, state.token);
      state.token = access.token;
      scheduleRenewal(access.expires_in);
    } else {
      return;
    }
    state.renewedAt = Date.now();
    const ack = await renewSocket(state.socket, state.token);
    if (ack && !ack.ok) showError("room-error", new Error(ack.error));
  } catch (error) {
    if (error.status === 0) {
      state.refreshTimer = setTimeout(renew, 5000); // the server is away: try again soon
    } else if (state.account) {
      signedOut();
      showError("account-error", new Error(`signed out: ${error.message}`));
    } else if (state.socket) {
      endRoom(error.code === "session_expired" ? "session_expired" : error.code);
    }
  }
}

export function signedOut() {
  clearTimeout(state.refreshTimer);
  state.account = null;
  state.admin = false;
  $("account-form").hidden = false;
  $("account-status").hidden = true;
  $("display-name").disabled = false;
  if (!$("room").hidden || !$("dashboard").hidden) leave();
  state.token = null;
}

export async function signIn(path) {
  showError("account-error", null);
  try {
    const result = await call("POST", path, {
      body: { username: $("account-name").value.trim(), password: $("account-password").value },
    });
    $("account-password").value = "";
    signedIn(result);
  } catch (error) {
    showError("account-error", error);
  }
}
