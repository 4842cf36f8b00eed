// The chat page: join or create a room, then a live room over Socket.IO.
// Every piece of user content is put in the page with textContent, never as HTML.

import { io } from "/static/vendor/socket.io.esm.min.js";
import { call, roomPath } from "/static/api.js";

const $ = (id) => document.getElementById(id);
const TYPING_REPEAT_MS = 2000; // a start is repeated this often while keys are pressed
const TYPING_IDLE_MS = 3000; // no key for this long: a stop

const state = {
  roomId: null,
  token: null,
  userId: null,
  socket: null,
  seen: new Set(), // ids of the messages shown
  typingSentAt: 0,
  typingTimer: null,
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

function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? ""
    : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function messageItem(message) {
  const item = document.createElement("li");
  item.className = "message";
  item.dataset.id = message.id;
  const meta = document.createElement("div");
  meta.className = "meta";
  const author = document.createElement("span");
  author.className = "author";
  author.textContent = message.username;
  const time = document.createElement("time");
  time.dateTime = message.timestamp;
  time.textContent = formatTime(message.timestamp);
  meta.append(author, time);
  const text = document.createElement("p");
  text.className = "text";
  text.textContent = message.message === null ? "(this message cannot be read)" : message.message;
  item.append(meta, text);
  return item;
}

function addMessages(messages) {
  const list = $("messages");
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  for (const message of messages) {
    if (state.seen.has(message.id)) continue;
    state.seen.add(message.id);
    // Ids sort by time: keep the list in order even when a missed page arrives late.
    const later = [...list.children].find((li) => li.dataset.id > message.id);
    list.insertBefore(messageItem(message), later || null);
  }
  $("messages-empty").hidden = list.children.length > 0;
  if (atBottom) list.scrollTop = list.scrollHeight;
}

function renderPresence(users, count) {
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

async function loadLatest() {
  const page = await call("GET", `${roomPath(state.roomId)}/messages?limit=50`, {
    token: state.token,
  });
  addMessages(page.messages);
}

function connect() {
  setConnection("connecting", "Connecting…");
  const socket = io({ auth: { token: state.token }, transports: ["websocket"] });
  state.socket = socket;
  socket.on("connect", () => {
    socket.emit("join", { room: state.roomId }, async (ack) => {
      if (!ack || !ack.ok) {
        setConnection("offline", "Not connected");
        showError("room-error", new Error(ack ? ack.error : "the room did not answer"));
        return;
      }
      setConnection("online", "Connected");
      showError("room-error", null);
      try {
        await loadLatest(); // after a reconnect: the messages missed meanwhile
      } catch (error) {
        showError("room-error", error);
      }
    });
  });
  socket.on("disconnect", () => setConnection("connecting", "Reconnecting…"));
  socket.on("connect_error", (error) => {
    setConnection("offline", "Not connected; retrying…");
    if (error && error.data && error.data.error) showError("room-error", new Error(error.data.error));
  });
  socket.on("message", (message) => {
    if (message.room_id === state.roomId) addMessages([message]);
  });
  socket.on("presence", (data) => {
    if (data.room === state.roomId) renderPresence(data.users, data.count);
  });
  socket.on("typing_status", (data) => {
    if (data.room === state.roomId) renderTyping(data.typing_users);
  });
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

async function enter(roomId, password, username) {
  const body = { password };
  if (username) body.username = username;
  const access = await call("POST", `${roomPath(roomId)}/verify`, { body });
  state.roomId = roomId;
  state.token = access.token;
  state.userId = access.user_id;
  state.seen.clear();
  $("messages").replaceChildren();
  $("messages-empty").hidden = false;
  $("room-title").textContent = `Room ${roomId}`;
  $("entry").hidden = true;
  $("room").hidden = false;
  connect();
  $("message-input").focus();
}

function formValues() {
  return {
    roomId: $("room-id").value.trim(),
    password: $("room-password").value,
    username: $("display-name").value.trim(),
  };
}

function start() {
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
      await call("POST", "/room/create", { body: { room_id: roomId, password } });
      await enter(roomId, password, username);
    } catch (error) {
      showError("entry-error", error);
    }
  });
  $("send-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("message-input");
    const text = input.value;
    if (!text.trim() || !state.socket) return;
    stopTyping();
    state.socket.emit("message", { room: state.roomId, message: text }, (ack) => {
      if (ack && ack.ok) {
        showError("room-error", null);
      } else {
        showError("room-error", new Error(ack ? ack.error : "the message was not sent"));
        input.value = input.value || text; // keep what was written
      }
    });
    input.value = "";
  });
  $("message-input").addEventListener("input", onKeyInput);
  $("leave-button").addEventListener("click", () => {
    stopTyping();
    if (state.socket) state.socket.disconnect();
    state.socket = null;
    state.token = null;
    setConnection("offline", "Not connected");
    $("room").hidden = true;
    $("entry").hidden = false;
  });
}

start();
