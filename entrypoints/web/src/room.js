// Being in a room: entering it (a guest's verify, a member's join), its live socket and
// its events, leaving it, and ending it for good with the reason in words.

import { io } from "/static/vendor/socket.io.esm.min.js";
import { call, roomPath } from "/static/api.js";
import { closeDashboard, onRoomEvent } from "/static/dashboard.js";
import { ending } from "/static/ending.js";
import { CHANGES, unsentItem } from "/static/delivery.js";
import { endSession, startSession } from "/static/resume.js";
import { renew, scheduleRenewal } from "/static/account.js";
import { clearMessages, loadLatest } from "/static/conversation.js";
import { renderTyping, setPresence, stopTyping, updatePresence } from "/static/presence.js";
import { forgetUnread } from "/static/attention.js";
import { $, adminCredential, setConnection, showError, state } from "/static/state.js";

// Out of the room for good (kicked, banned, the room deleted, the session ended): say why in
// words, stop the socket (no "Reconnecting…"), disable the composer, offer a way back.
export function endRoom(reason) {
  const { text, rejoin } = ending(reason);
  state.ended = reason;
  stopTyping();
  for (const item of state.outbox.drop()) item.element.replaceWith(unsentItem(item));
  if (!state.account) clearTimeout(state.refreshTimer); // a guest's token was of this room
  const socket = state.socket;
  state.socket = null; // before the disconnect, so its handler knows it was ours
  if (socket) socket.disconnect();
  closeDashboard();
  hideAdminCredential();
  setConnection("ended", "Not in the room");
  showError("room-error", null);
  setComposer(false);
  $("dashboard-button").hidden = true;
  $("ended-reason").textContent = text;
  $("rejoin-button").hidden = !rejoin;
  $("room-ended").hidden = false;
  $(rejoin ? "rejoin-button" : "other-room-button").focus();
}

function setComposer(enabled) {
  $("message-input").disabled = !enabled;
  $("send-button").disabled = !enabled;
}

function onOwnRole(data) {
  if (data.room !== state.roomId) return;
  if (data.user_id === state.userId) {
    // The role is the membership's as it is now: a promoted member's own token proves it.
    state.admin = data.role === "admin";
    $("dashboard-button").hidden = !adminCredential();
    if (!adminCredential()) closeDashboard();
  }
  onRoomEvent("role_changed", data);
}

function connect() {
  setConnection("connecting", "Connecting…");
  const socket = io({ auth: { token: state.token }, transports: ["websocket"] });
  state.socket = socket;
  socket.on("connect", () => {
    const since = state.stream.since();
    state.stream.hold();
    socket.emit("join", { room: state.roomId, since }, async (ack) => {
      if (state.socket !== socket) return;
      if (!ack || !ack.ok) {
        state.stream.release();
        setConnection("offline", "Not connected");
        showError("room-error", new Error(ack ? ack.error : "the room did not answer"));
        return;
      }
      setConnection("online", "Connected");
      showError("room-error", null);
      const reload = state.stream.joined(ack); // a rejoin: the changes missed meanwhile
      $("delivery-note").hidden = !(reload && since);
      try {
        if (reload) {
          if (since) clearMessages(true);
          await loadLatest();
        }
      } catch (error) {
        showError("room-error", error);
      }
      state.outbox.ready(socket, state.roomId); // what was typed meanwhile, once
    });
  });
  socket.on("disconnect", (reason) => {
    if (state.socket !== socket) return; // this page let it go (left, or ended)
    state.stream.release();
    state.outbox.down();
    // The server tells every removal first (session_ended); one it did not tell is final too.
    if (reason === "io server disconnect") endRoom("server_disconnect");
    else setConnection("connecting", "Reconnecting…");
  });
  socket.on("connect_error", (error) => {
    setConnection("offline", "Not connected; retrying…");
    if (error && error.data && error.data.error) showError("room-error", new Error(error.data.error));
  });
  for (const name of CHANGES) {
    socket.on(name, (data) => {
      const room = name === "message" ? data.room_id : data.room;
      if (state.socket === socket && room === state.roomId) state.stream.live(name, data);
    });
  }
  socket.on("presence", (data) => {
    if (data.room === state.roomId) setPresence(data.users, data.count);
  });
  socket.on("presence_update", (data) => {
    if (data.room === state.roomId) updatePresence(data);
  });
  socket.on("typing_status", (data) => {
    if (data.room === state.roomId) renderTyping(data.typing_users);
  });
  for (const name of ["room_deleted", "kicked", "banned", "ip_not_verified"]) {
    socket.on(name, (data) => {
      if (state.socket === socket && data.room === state.roomId) endRoom(data.reason || name);
    });
  }
  socket.on("session_ended", (data) => {
    if (state.socket !== socket) return;
    if (data.reason === "admin_token_rotated" && state.rotating) {
      // This page replaced the credential it chats with: on with the new one (and `since`).
      const rotated = state.rotating;
      state.rotating = null;
      state.socket = null; // before the disconnect, so its handler knows it was ours
      socket.disconnect();
      rotated.then((token) => {
        if (!token) return endRoom(data.reason);
        state.token = token;
        connect();
      });
      return;
    }
    endRoom(data.reason);
  });
  socket.on("role_changed", onOwnRole);
  socket.on("token_expiring", () => {
    if (state.socket === socket) renew();
  });
}

// A guest's admin token lives only in this page: offer it once, to keep for another browser.
export function offerAdminCredential(token) {
  $("admin-credential-shown").value = token;
  $("keep-admin").hidden = false;
}

export function hideAdminCredential() {
  $("admin-credential-shown").value = "";
  $("keep-admin").hidden = true;
}

export async function enter(roomId, password, username) {
  if (state.roomId !== roomId) state.adminToken = null;
  const pasted = $("admin-credential").value.trim();
  if (pasted) state.adminToken = pasted; // checked by the API on every admin call
  $("admin-credential").value = "";
  if (state.account) {
    // A member already: the password is not checked (and may be left empty).
    const joined = await call("POST", `${roomPath(roomId)}/join`, {
      body: { password },
      token: state.token,
    });
    state.admin = joined.role === "admin";
    state.userId = state.account.userId;
    state.username = state.account.username;
  } else {
    const body = { password };
    if (username) body.username = username;
    const access = await call("POST", `${roomPath(roomId)}/verify`, { body });
    state.token = access.token;
    scheduleRenewal(access.expires_in);
    state.userId = access.user_id;
    state.username = access.username;
    state.admin = false;
  }
  openRoom(roomId);
  startSession(roomId, state.token); // what a reload resumes (resume.js)
}

// The room, shown and connected, with the credentials `state` holds now.
export function openRoom(roomId) {
  state.roomId = roomId;
  state.ended = null;
  state.stream.reset();
  $("delivery-note").hidden = true;
  $("room-ended").hidden = true;
  $("invite-note").textContent = "";
  setComposer(true);
  clearMessages(true);
  $("room-title").textContent = `Room ${roomId}`;
  $("dashboard-button").hidden = !adminCredential();
  $("entry").hidden = true;
  $("room").hidden = false;
  connect();
  $("message-input").focus();
}

export function leave() {
  endSession(); // left on purpose: a reload shows the entry form
  stopTyping();
  for (const item of state.outbox.drop()) item.element.remove();
  const socket = state.socket;
  state.socket = null;
  if (socket) socket.disconnect();
  if (!state.account) {
    state.token = null; // a guest's token is of this room only
    clearTimeout(state.refreshTimer);
  }
  setConnection("idle", "Not connected");
  forgetUnread();
  closeDashboard();
  hideAdminCredential();
  $("room").hidden = true;
  $("entry").hidden = false;
}
