// The conversation: the message list as the room's history and change stream make it,
// and what one does to a message (react, delete). User content goes in as text (messages.js).

import { call, roomPath } from "/static/api.js";
import { pendingItem } from "/static/delivery.js";
import {
  messageItem as itemFor,
  renderReactions as showReactions,
  showEdited,
} from "/static/messages.js";
import { regroup } from "/static/timeline.js";
import { noticed } from "/static/attention.js";
import { $, adminCredential, showError, state } from "/static/state.js";

const PAGE = 50;

// What a message's buttons do and who may delete it, as this page is now.
const actions = {
  me: () => state.userId,
  mayDelete: (message) => message.user_id === state.userId || Boolean(adminCredential()),
  react: (messageId, emoji) => react(messageId, emoji),
  remove: (messageId) => deleteMessage(messageId),
  edit: (messageId, text) => editMessage(messageId, text),
  copy: (text, button) => copyText(text, button),
  names: () => [...state.present.values()].map((user) => user.username),
  myName: () => state.username,
  nameOf: (userId) => nameOf(userId),
};
const messageItem = (message) => itemFor(message, actions);
const renderReactions = (item, reactions) => showReactions(item, reactions, actions);

// A user id's name, as the room shows it (present now, or an author in the list).
function nameOf(userId) {
  const present = state.present.get(userId);
  if (present) return present.username;
  const item = [...$("messages").children].find((li) => li.dataset.user === userId);
  const author = item && item.querySelector(".author");
  return author ? author.textContent : "someone who left";
}

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
  regroup(list);
  $("messages-empty").hidden = list.children.length > 0;
  if (keepView) list.scrollTop = list.scrollHeight - fromBottom; // older ones came in above
  else if (atBottom) list.scrollTop = list.scrollHeight;
  else if (messages.some((m) => m.user_id !== state.userId)) $("new-below").hidden = false;
}

// "New messages ↓": shown when someone's message comes while the list is scrolled up; gone
// once the list is at its end again.
export function scrolledList() {
  const list = $("messages");
  if (list.scrollHeight - list.scrollTop - list.clientHeight < 40) $("new-below").hidden = true;
}

export function toNewest() {
  const list = $("messages");
  list.scrollTop = list.scrollHeight;
  $("new-below").hidden = true;
  list.focus();
}

function history(before) {
  const cursor = before ? `&before=${encodeURIComponent(before)}` : "";
  return call("GET", `${roomPath(state.roomId)}/messages?limit=${PAGE}${cursor}`, {
    token: state.token,
  });
}

export async function loadLatest() {
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

export async function loadOlder() {
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

// Resolves true once the server has the new text (its `message_edited` shows it).
function editMessage(messageId, text) {
  return new Promise((resolve) => {
    if (!state.socket) return resolve(false);
    const body = { room: state.roomId, message_id: messageId, message: text };
    state.socket.timeout(10000).emit("edit", body, (error, ack) => {
      const ok = !error && ack && ack.ok;
      showError("room-error", ok ? null : new Error(ack ? ack.error : "no answer; try again"));
      resolve(Boolean(ok));
    });
  });
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
    setTimeout(() => {
      button.textContent = "Copy";
    }, 1500);
  } catch {
    showError("room-error", new Error("this browser did not allow copying; select the text instead"));
  }
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
  regroup($("messages"));
  $("messages-empty").hidden = $("messages").children.length > 0;
}

export function clearMessages(loading = false) {
  state.seen.clear();
  state.older = null;
  const list = $("messages");
  list.replaceChildren(...list.querySelectorAll(".pending")); // not sent yet: still to come
  $("new-below").hidden = true;
  $("messages-empty").textContent = loading ? "Loading messages…" : "No messages yet. Say hello.";
  $("messages-empty").hidden = list.children.length > 0;
  $("older-button").hidden = true;
}

// The list is a plain list (a screen reader reads it item by item); someone else's new
// message is announced once, in a polite status line of its own (history loads are not).
function announce(message) {
  if (message.user_id === state.userId || message.message === null) return;
  const text = message.message.length > 200 ? `${message.message.slice(0, 200)}…` : message.message;
  $("announce").textContent = `${message.username}: ${text}`;
}

// One change of the room's stream, live or missed (each offset once: delivery.js).
export function applyChange(event, data) {
  const item = data.message_id ? itemOf(data.message_id) : null;
  const waiting = event === "message" && data.user_id === state.userId && state.outbox.inFlight(data);
  if (waiting && !state.seen.has(data.id)) {
    // One's own send, come back before its ack: in the pending item's place, never beside it.
    state.seen.add(data.id);
    const shown = messageItem(data);
    waiting.element.replaceWith(shown);
    waiting.element = shown;
    regroup($("messages"));
  } else if (event === "message") {
    addMessages([data]);
    announce(data);
    noticed(data);
  }
  else if (event === "message_deleted") removeMessage(data.message_id);
  else if (event === "history_cleared") clearMessages();
  else if (event === "reaction_update" && item) renderReactions(item, data.reactions);
  else if (event === "message_edited" && item) showEdited(item, data.message, data.edited_at, actions);
}

// A send the server stored: shown as one's message until its broadcast comes (or at once,
// when that came first).
export function sentMessage(item, messageId) {
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
  regroup($("messages"));
  showError("room-error", null);
}

export function refusedMessage(item, ack) {
  item.element.remove();
  $("messages-empty").hidden = $("messages").children.length > 0;
  showError("room-error", new Error(ack.error || "the message was not sent"));
  const input = $("message-input");
  input.value = input.value || item.text; // keep what was written
}

// What was typed, in the list until the server has it (delivery.js's Outbox).
export function showPending(item) {
  const element = pendingItem(item);
  $("messages").append(element);
  $("messages-empty").hidden = true;
  element.scrollIntoView({ block: "nearest" });
  return element;
}
