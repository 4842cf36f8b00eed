// Attention while the page is not looked at: the unread count in the tab's title, optional
// desktop notifications (asked for only after a click on "Notify me", never on load) for
// mentions and for messages while hidden, and a "last read" divider on return.

import { $, state } from "/static/state.js";

const TITLE = "Secure Chat";
let unread = 0;
let firstUnread = null; // the id of the first message that came while hidden

function showTitle() {
  document.title = unread > 0 ? `(${unread}) ${TITLE}` : TITLE;
}

function mentions(text, name) {
  if (!name || !text) return false;
  const at = `@${name}`.toLowerCase();
  const lower = text.toLowerCase();
  const index = lower.indexOf(at);
  return index >= 0 && !/[\p{L}\p{N}_]/u.test(lower.charAt(index + at.length));
}

function notify(message) {
  if (!("Notification" in window) || Notification.permission !== "granted" || !state.wantsNotices)
    return;
  const body = message.message.length > 140 ? `${message.message.slice(0, 140)}…` : message.message;
  const notice = new Notification(`${message.username} in ${message.room_id}`, { body, tag: message.id });
  notice.addEventListener("click", () => window.focus());
}

// Someone else's message came live: counted while the page is hidden, and told.
export function noticed(message) {
  if (message.user_id === state.userId || message.message === null) return;
  const mention = mentions(message.message, state.username);
  if (document.hidden) {
    unread += 1;
    if (!firstUnread) firstUnread = message.id;
    showTitle();
  }
  if (document.hidden || mention) notify(message);
}

// Back on the page: the count goes, and a divider marks where the unread ones begin.
function returned() {
  if (document.hidden) return;
  const list = $("messages");
  for (const old of list.querySelectorAll(":scope > li.last-read")) old.remove();
  const first = firstUnread && [...list.children].find((li) => li.dataset.id === firstUnread);
  if (first) {
    const divider = document.createElement("li");
    divider.className = "last-read";
    divider.textContent = `New since you last looked (${unread})`;
    list.insertBefore(divider, first);
  }
  unread = 0;
  firstUnread = null;
  showTitle();
}

export function forgetUnread() {
  unread = 0;
  firstUnread = null;
  showTitle();
  for (const old of $("messages").querySelectorAll(":scope > li.last-read")) old.remove();
}

async function askForNotices() {
  const button = $("notify-button");
  if (!("Notification" in window)) {
    button.textContent = "Notifications unavailable";
    button.disabled = true;
    return;
  }
  if (state.wantsNotices) {
    state.wantsNotices = false;
  } else {
    const answer = await Notification.requestPermission();
    state.wantsNotices = answer === "granted";
  }
  button.setAttribute("aria-pressed", String(state.wantsNotices));
  button.textContent = state.wantsNotices ? "Notifications on" : "Notify me";
}

export function startAttention() {
  document.addEventListener("visibilitychange", returned);
  $("notify-button").addEventListener("click", askForNotices);
}
