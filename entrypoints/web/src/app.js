// The chat page: join or create a room, then a live room over Socket.IO.
// Every piece of user content is put in the page with textContent, never as HTML.

import { io } from "/static/vendor/socket.io.esm.min.js";
import { call, roomPath } from "/static/api.js";
import { openDashboard, closeDashboard, onRoomEvent } from "/static/dashboard.js";
import { ending } from "/static/ending.js";
import { CHANGES, ChangeStream, Outbox, pendingItem, unsentItem } from "/static/delivery.js";
import { messageItem as itemFor, renderReactions as showReactions } from "/static/messages.js";
import { RENEW_SPACING_MS, renewDelayMs, renewRoomToken, renewSocket } from "/static/session.js";
import { endSession, resumeSession, startSession } from "/static/resume.js";

const $ = (id) => document.getElementById(id);
const TYPING_REPEAT_MS = 2000; // a start is repeated this often while keys are pressed
const TYPING_IDLE_MS = 3000; // no key for this long: a stop
const PAGE = 50;

const state = {
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
  ended: null, // why this page is out of its room for good (a reason code), else null
};

function showError(id, error) {
  const el = $(id);
  el.textContent = error ? error.message || String(error) : "";
  el.hidden = !error;
}

function setConnection(kind, text) {
  const el = $("connection");
  el.dataset.state = kind;
  el.textContent = text;
}

// What a message's buttons do and who may delete it, as this page is now.
const actions = {
  me: () => state.userId,
  mayDelete: (message) => message.user_id === state.userId || Boolean(adminCredential()),
  react: (messageId, emoji) => react(messageId, emoji),
  remove: (messageId) => deleteMessage(messageId),
};
const messageItem = (message) => itemFor(message, actions);
const renderReactions = (item, reactions) => showReactions(item, reactions, actions);

function itemOf(messageId) {
  return [...$("messages").children].find((li) => li.dataset.id === messageId) || null;
}

function addMessages(messages, { keepView = false } = {}) {
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const fromBottom = list.scrollHeight - list.scrollTop;
  for (const message of messages) {
    if (state.seen.has(message.id)) {
      // One's own message shown from its send's ack: now as the server has it.
      const shown = itemOf(message.id);
      if (shown && shown.dataset.provisional) shown.replaceWith(messageItem(message));
      continue;
    }
    state.seen.add(message.id);
    // Ids sort by time: keep the list in order, whatever order pages arrive in; what
    // waits to be sent stays last.
    const later = [...list.children].find(
      (li) => li.classList.contains("pending") || li.dataset.id > message.id,
    );
    list.insertBefore(messageItem(message), later || null);
  }
  $("messages-empty").hidden = list.children.length > 0;
  if (keepView) list.scrollTop = list.scrollHeight - fromBottom; // older ones came in above
  else if (atBottom) list.scrollTop = list.scrollHeight;
}

// The whole list comes once, when this page's socket joins (`presence`); then the room's
// changes come as deltas (`presence_update`: who joined, who left, the count).
function setPresence(users, count) {
  state.present = new Map(users.map((user) => [user.user_id, user]));
  renderPresence(count);
}

function updatePresence(update) {
  for (const user of update.left) state.present.delete(user.user_id);
  for (const user of update.joined) state.present.set(user.user_id, user);
  renderPresence(update.count);
}

function renderPresence(count) {
  const byName = (a, b) =>
    a.username.toLowerCase().localeCompare(b.username.toLowerCase()) ||
    (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0);
  const users = [...state.present.values()].sort(byName);
  const list = $("online-list");
  list.replaceChildren(
    ...users.map((user) => {
      const item = document.createElement("li");
      item.textContent = user.user_id === state.userId ? `${user.username} (you)` : user.username;
      if (user.guest) {
        const mark = document.createElement("span");
        mark.className = "guest-mark";
        mark.textContent = " guest";
        item.append(mark);
      }
      return item;
    }),
  );
  $("online-count").textContent = String(count);
}

function renderTyping(users) {
  const others = users.filter((user) => user.user_id !== state.userId).map((u) => u.username);
  $("typing").textContent =
    others.length === 0
      ? ""
      : others.length === 1
        ? `${others[0]} is typing…`
        : `${others.slice(0, 3).join(", ")} are typing…`;
}

function history(before) {
  const cursor = before ? `&before=${encodeURIComponent(before)}` : "";
  return call("GET", `${roomPath(state.roomId)}/messages?limit=${PAGE}${cursor}`, {
    token: state.token,
  });
}

async function loadLatest() {
  const list = $("messages");
  list.setAttribute("aria-busy", "true");
  try {
    const page = await history(null);
    if (state.seen.size === 0) state.older = page.next_before;
    addMessages(page.messages);
    $("older-button").hidden = !state.older;
  } finally {
    list.removeAttribute("aria-busy");
    $("messages-empty").textContent = "No messages yet. Say hello.";
  }
}

async function loadOlder() {
  if (!state.older || state.loadingOlder) return;
  state.loadingOlder = true;
  try {
    const page = await history(state.older);
    state.older = page.next_before;
    addMessages(page.messages, { keepView: true });
  } catch (error) {
    showError("room-error", error);
  } finally {
    state.loadingOlder = false;
    $("older-button").hidden = !state.older;
  }
}

function react(messageId, emoji) {
  if (!state.socket) return;
  state.socket.emit("reaction", { room: state.roomId, message_id: messageId, reaction: emoji }, (ack) => {
    if (!ack || !ack.ok) showError("room-error", new Error(ack ? ack.error : "no answer"));
  });
}

async function deleteMessage(messageId) {
  if (!window.confirm("Delete this message for everyone?")) return;
  try {
    const token = adminCredential() || state.token;
    await call("DELETE", `${roomPath(state.roomId)}/messages/${encodeURIComponent(messageId)}`, {
      token,
    });
  } catch (error) {
    showError("room-error", error);
  }
}

function removeMessage(messageId) {
  const item = itemOf(messageId);
  if (item) item.remove();
  $("messages-empty").hidden = $("messages").children.length > 0;
}

function clearMessages(loading = false) {
  state.seen.clear();
  state.older = null;
  const list = $("messages");
  list.replaceChildren(...list.querySelectorAll(".pending")); // not sent yet: still to come
  $("messages-empty").textContent = loading ? "Loading messages…" : "No messages yet. Say hello.";
  $("messages-empty").hidden = list.children.length > 0;
  $("older-button").hidden = true;
}

// Out of the room for good (kicked, banned, the room deleted, the session ended): say why in
// words, stop the socket (no "Reconnecting…"), disable the composer, offer a way back.
function endRoom(reason) {
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

// One change of the room's stream, live or missed (each offset once: delivery.js).
function applyChange(event, data) {
  const item = data.message_id ? itemOf(data.message_id) : null;
  const waiting = event === "message" && data.user_id === state.userId && state.outbox.inFlight(data);
  if (waiting && !state.seen.has(data.id)) {
    // One's own send, come back before its ack: in the pending item's place, never beside it.
    state.seen.add(data.id);
    const shown = messageItem(data);
    waiting.element.replaceWith(shown);
    waiting.element = shown;
  } else if (event === "message") addMessages([data]);
  else if (event === "message_deleted") removeMessage(data.message_id);
  else if (event === "history_cleared") clearMessages();
  else if (event === "reaction_update" && item) renderReactions(item, data.reactions);
  else if (event === "message_edited" && item) {
    item.querySelector(".text").textContent = data.message;
    item.querySelector(".edited").textContent = " (edited)";
  }
}

// A send the server stored: shown as one's message until its broadcast comes (or at once,
// when that came first).
function sentMessage(item, messageId) {
  if (state.seen.has(messageId)) {
    if (item.element.classList.contains("pending")) item.element.remove(); // shown already
    return;
  }
  state.seen.add(messageId);
  const shown = messageItem({
    id: messageId,
    user_id: state.userId,
    username: state.username,
    message: item.text,
    timestamp: new Date().toISOString(),
    edited_at: null,
    reactions: {},
  });
  shown.dataset.provisional = "1";
  item.element.replaceWith(shown);
  showError("room-error", null);
}

function refusedMessage(item, ack) {
  item.element.remove();
  $("messages-empty").hidden = $("messages").children.length > 0;
  showError("room-error", new Error(ack.error || "the message was not sent"));
  const input = $("message-input");
  input.value = input.value || item.text; // keep what was written
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
    if (state.socket === socket) endRoom(data.reason);
  });
  socket.on("role_changed", onOwnRole);
  socket.on("token_expiring", () => {
    if (state.socket === socket) renew();
  });
}

// A guest's admin token lives only in this page: offer it once, to keep for another browser.
function offerAdminCredential(token) {
  $("admin-credential-shown").value = token;
  $("keep-admin").hidden = false;
}

function hideAdminCredential() {
  $("admin-credential-shown").value = "";
  $("keep-admin").hidden = true;
}

function stopTyping() {
  clearTimeout(state.typingTimer);
  state.typingTimer = null;
  if (state.typingSentAt && state.socket) {
    state.socket.emit("typing", { room: state.roomId, is_typing: false });
  }
  state.typingSentAt = 0;
}

function onKeyInput() {
  if (!state.socket || !state.socket.connected) return;
  const now = Date.now();
  if (now - state.typingSentAt > TYPING_REPEAT_MS) {
    state.socket.emit("typing", { room: state.roomId, is_typing: true });
    state.typingSentAt = now;
  }
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
}

function adminCredential() {
  if (state.adminToken) return state.adminToken;
  return state.admin ? state.token : null;
}

async function enter(roomId, password, username) {
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
function openRoom(roomId) {
  state.roomId = roomId;
  state.ended = null;
  state.stream.reset();
  $("delivery-note").hidden = true;
  $("room-ended").hidden = true;
  setComposer(true);
  clearMessages(true);
  $("room-title").textContent = `Room ${roomId}`;
  $("dashboard-button").hidden = !adminCredential();
  $("entry").hidden = true;
  $("room").hidden = false;
  connect();
  $("message-input").focus();
}

function signedIn(result) {
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

function scheduleRenewal(expiresIn) {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(renew, renewDelayMs(expiresIn));
}

// A fresh token for this page (an account's refresh flow, a guest's room-token renewal),
// then the live socket goes on with it. On the server's `token_expiring` and on a timer.
function renew() {
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

function signedOut() {
  clearTimeout(state.refreshTimer);
  state.account = null;
  state.admin = false;
  $("account-form").hidden = false;
  $("account-status").hidden = true;
  $("display-name").disabled = false;
  if (!$("room").hidden || !$("dashboard").hidden) leave();
  state.token = null;
}

async function signIn(path) {
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

function formValues() {
  return {
    roomId: $("room-id").value.trim(),
    password: $("room-password").value,
    username: $("display-name").value.trim(),
  };
}

function leave() {
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
  setConnection("offline", "Not connected");
  closeDashboard();
  hideAdminCredential();
  $("room").hidden = true;
  $("entry").hidden = false;
}

function start() {
  state.stream = new ChangeStream(applyChange);
  state.outbox = new Outbox({
    show: (item) => {
      const element = pendingItem(item);
      $("messages").append(element);
      $("messages-empty").hidden = true;
      element.scrollIntoView({ block: "nearest" });
      return element;
    },
    sent: sentMessage,
    refused: refusedMessage,
  });
  $("join-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const { roomId, password, username } = formValues();
    showError("entry-error", null);
    try {
      await enter(roomId, password, username);
    } catch (error) {
      showError("entry-error", error);
    }
  });
  $("create-button").addEventListener("click", async () => {
    const { roomId, password, username } = formValues();
    showError("entry-error", null);
    try {
      // Signed in, the account becomes the room's creator and admin.
      const body = { room_id: roomId, password };
      if (username && !state.account) body.username = username;
      const made = await call("POST", "/room/create", {
        body,
        token: state.account ? state.token : undefined,
      });
      state.roomId = roomId;
      $("admin-credential").value = "";
      if (state.account) {
        state.adminToken = null;
        await enter(roomId, password, username);
      } else {
        // The creator is the room's one admin member, under the name typed: its admin
        // token is what it chats with too (renewed like any room token).
        Object.assign(state, { token: made.admin_token, adminToken: made.admin_token });
        Object.assign(state, { userId: made.user_id, username: made.username, admin: false });
        scheduleRenewal(made.expires_in);
        openRoom(roomId);
        startSession(roomId, state.token);
        offerAdminCredential(state.adminToken);
      }
    } catch (error) {
      showError("entry-error", error);
    }
  });
  $("send-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("message-input");
    const text = input.value;
    if (!text.trim() || !state.socket || state.ended) return;
    stopTyping();
    state.outbox.add(text); // pending in the list until the server has it
    input.value = "";
  });
  $("message-input").addEventListener("input", onKeyInput);
  $("messages").addEventListener("scroll", () => {
    if ($("messages").scrollTop < 40) loadOlder();
  });
  $("older-button").addEventListener("click", loadOlder);
  $("leave-button").addEventListener("click", leave);
  $("copy-admin-button").addEventListener("click", async () => {
    const field = $("admin-credential-shown");
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      $("copy-admin-button").textContent = "Copied";
    } catch {
      $("copy-admin-button").textContent = "Selected: copy it with the keyboard";
    }
  });
  $("kept-admin-button").addEventListener("click", hideAdminCredential);
  $("rejoin-button").addEventListener("click", async () => {
    const roomId = state.roomId;
    leave();
    $("room-id").value = roomId;
    const { password, username } = formValues();
    if (!state.account && !password) {
      $("room-password").focus();
      return;
    }
    try {
      await enter(roomId, password, username);
    } catch (error) {
      showError("entry-error", error);
    }
  });
  $("other-room-button").addEventListener("click", () => {
    leave();
    $("room-id").value = "";
    $("room-id").focus();
  });
  $("dashboard-button").addEventListener("click", () =>
    openDashboard({ roomId: state.roomId, token: adminCredential, onGone: leave }),
  );
  $("account-form").addEventListener("submit", (event) => {
    event.preventDefault();
    signIn("/auth/login");
  });
  $("register-button").addEventListener("click", () => signIn("/auth/register"));
  $("sign-out-button").addEventListener("click", async () => {
    const refreshToken = state.account && state.account.refreshToken;
    signedOut();
    if (refreshToken) {
      try {
        await call("POST", "/auth/logout", { body: { refresh_token: refreshToken } });
      } catch {
        // Signed out here either way; the access token ends by itself.
      }
    }
  });
  $("dashboard-close").addEventListener("click", () => closeDashboard());
  resumeSession().then((resumed) => resumed && reopen(resumed));
}

// After a reload: the room and identity the page session kept (resume.js).
function reopen(resumed) {
  if (resumed.account) {
    signedIn(resumed.account);
  } else {
    state.token = resumed.token;
    scheduleRenewal(resumed.expiresIn);
  }
  Object.assign(state, { userId: resumed.userId, username: resumed.username });
  state.admin = Boolean(resumed.account) && resumed.admin;
  state.adminToken = resumed.adminToken;
  openRoom(resumed.roomId);
}

start();
