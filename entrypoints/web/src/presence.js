// Who is in the room and who is typing: shown from the server's presence and typing events,
// and this page's own typing sent (a start repeated while keys are pressed, then a stop).

import { $, state } from "/static/state.js";

const TYPING_REPEAT_MS = 2000; // a start is repeated this often while keys are pressed
const TYPING_IDLE_MS = 3000; // no key for this long: a stop

// The whole list comes once, when this page's socket joins (`presence`); then the room's
// changes come as deltas (`presence_update`: who joined, who left, the count).
export function setPresence(users, count) {
  state.present = new Map(users.map((user) => [user.user_id, user]));
  renderPresence(count);
}

export function updatePresence(update) {
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

// Shown (and so announced by the polite live region) only when the line's words change:
// the room's list also changes when this page itself starts or stops typing.
export function renderTyping(users) {
  const others = users.filter((user) => user.user_id !== state.userId).map((u) => u.username);
  const text =
    others.length === 0
      ? ""
      : others.length === 1
        ? `${others[0]} is typing…`
        : `${others.slice(0, 3).join(", ")} are typing…`;
  if ($("typing").textContent !== text) $("typing").textContent = text;
}

export function stopTyping() {
  clearTimeout(state.typingTimer);
  state.typingTimer = null;
  if (state.typingSentAt && state.socket) {
    state.socket.emit("typing", { room: state.roomId, is_typing: false });
  }
  state.typingSentAt = 0;
}

export function onKeyInput() {
  if (!state.socket || !state.socket.connected) return;
  const now = Date.now();
  if (now - state.typingSentAt > TYPING_REPEAT_MS) {
    state.socket.emit("typing", { room: state.roomId, is_typing: true });
    state.typingSentAt = now;
  }
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
}
