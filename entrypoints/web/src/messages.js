// One message in the list, as a list item: an avatar of initials, author and time, the text,
// its reactions, and a toolbar of actions shown on hover and on keyboard focus (React with
// emoji.js's picker, Edit one's own, Delete one's own or as an admin, Copy text). Every piece
// of user content goes in with textContent, never as HTML. `actions` is the page's side: who this page is (me),
// what it may do to a message, and what each action does.

import { reactionPicker } from "/static/emoji.js";
import { renderText } from "/static/markdown.js";

const HUES = 12; // avatar colours: style.css has .hue-0 … .hue-11
const EDIT_WINDOW_MS = 24 * 3600 * 1000; // the server's default (it refuses a later edit)

function validDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

export function shortTime(iso) {
  const date = validDate(iso);
  return date ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
}

export function fullTime(iso) {
  const date = validDate(iso);
  return date ? date.toLocaleString([], { dateStyle: "full", timeStyle: "medium" }) : "";
}

// Up to two letters: of the first two words, or the first two of a one-word name.
export function initials(name) {
  const words = String(name || "").split(/[\s_.\-]+/).filter(Boolean);
  const letters =
    words.length > 1
      ? [Array.from(words[0])[0], Array.from(words[1])[0]]
      : Array.from(words[0] || "?").slice(0, 2);
  return letters.join("").toUpperCase();
}

// The same colour for the same identity, on every page: a hash of its user id.
export function hue(userId) {
  let hash = 0;
  for (const char of String(userId)) hash = (hash * 31 + char.codePointAt(0)) >>> 0;
  return hash % HUES;
}

function element(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function smallButton(label, name, onClick, kind = "secondary") {
  const button = element("button", `small ${kind}`, label);
  button.type = "button";
  button.setAttribute("aria-label", name);
  button.addEventListener("click", onClick);
  return button;
}

export function renderReactions(item, reactions, actions) {
  const row = item.querySelector(".reactions");
  const chips = Object.entries(reactions || {}).map(([emoji, users]) => {
    const chip = element("button", "chip", `${emoji} ${users.length}`);
    chip.type = "button";
    const mine = users.includes(actions.me());
    // Who reacted: on hover (its title) and to a screen reader (its name).
    const who = users.map((id) => (id === actions.me() ? "you" : actions.nameOf(id))).join(", ");
    chip.title = `${emoji} by ${who}`;
    chip.setAttribute("aria-pressed", String(mine));
    chip.setAttribute("aria-label", `${emoji} ${users.length}: ${who}${mine ? " (yours)" : ""}`);
    chip.addEventListener("click", () => actions.react(item.dataset.id, emoji));
    return chip;
  });
  row.replaceChildren(...chips);
}

// Edit in place: the text becomes a box; Enter saves, Shift+Enter adds a line, Escape
// cancels; focus goes back to the Edit button either way.
function editInPlace(item, message, actions, opener) {
  if (item.querySelector(".edit-box")) return;
  const text = item.querySelector(".text");
  const box = element("textarea", "edit-box");
  box.value = item.dataset.text;
  box.rows = Math.min(8, box.value.split("\n").length + 1);
  box.setAttribute("aria-label", "Edit your message (Enter saves, Escape cancels)");
  const done = () => {
    box.remove();
    text.hidden = false;
    opener.focus();
  };
  box.addEventListener("keydown", async (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      done();
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      const value = box.value;
      if (!value.trim() || value === item.dataset.text) return done();
      if (await actions.edit(message.id, value)) done();
    }
  });
  text.hidden = true;
  text.after(box);
  box.focus();
}

function toolbar(item, message, actions) {
  const tools = element("div", "tools");
  tools.setAttribute("role", "group");
  tools.setAttribute("aria-label", `Actions on ${message.username}'s message`);
  const react = smallButton("React", `React to ${message.username}'s message`, () => {});
  tools.append(react, reactionPicker(message.id, react, (emoji) => actions.react(message.id, emoji)));
  if (message.user_id === actions.me() && message.message !== null) {
    const sent = validDate(message.timestamp);
    if (!sent || Date.now() - sent.getTime() < EDIT_WINDOW_MS) {
      const edit = smallButton("Edit", "Edit your message", () =>
        editInPlace(item, message, actions, edit),
      );
      tools.append(edit);
    }
  }
  if (message.message !== null) {
    const copy = smallButton("Copy", `Copy the text of ${message.username}'s message`, () =>
      actions.copy(item.dataset.text, copy),
    );
    tools.append(copy);
  }
  if (actions.mayDelete(message)) {
    tools.append(
      smallButton("Delete", `Delete ${message.username}'s message`, () =>
        actions.remove(message.id), "danger"),
    );
  }
  return tools;
}

// The text as Markdown (markdown.js), `@name`s of the room's people highlighted.
function fillText(element, text, actions) {
  const names = actions.names ? actions.names() : [];
  const me = actions.myName ? actions.myName() : null;
  element.replaceChildren(renderText(text, { names, me }));
}

export function showEdited(item, text, editedAt, actions) {
  item.dataset.text = text;
  fillText(item.querySelector(".text"), text, actions);
  const marker = item.querySelector(".edited");
  marker.textContent = " (edited)";
  marker.title = editedAt ? `edited ${fullTime(editedAt)}` : "edited";
}

export function messageItem(message, actions) {
  const item = element("li", "message");
  item.dataset.id = message.id;
  item.dataset.user = message.user_id;
  item.dataset.time = message.timestamp;
  item.dataset.text = message.message ?? "";
  if (message.user_id === actions.me()) item.classList.add("own");
  const face = element("span", `avatar hue-${hue(message.user_id)}`, initials(message.username));
  face.setAttribute("aria-hidden", "true");
  const meta = element("div", "meta");
  const time = element("time");
  time.dateTime = message.timestamp;
  time.title = fullTime(message.timestamp);
  const short = element("span", "short", shortTime(message.timestamp));
  short.setAttribute("aria-hidden", "true");
  time.append(short, element("span", "full", fullTime(message.timestamp)));
  meta.append(element("span", "author", message.username));
  if (message.user_id === actions.me()) meta.append(" ", element("span", "you-mark", "you"));
  meta.append(" ", time, element("span", "edited"));
  const text = element("div", "text");
  if (message.message === null) text.textContent = "(this message cannot be read)";
  else fillText(text, message.message, actions);
  const body = element("div", "body");
  body.append(meta, text, element("div", "reactions"));
  item.append(face, body, toolbar(item, message, actions));
  if (message.edited_at) {
    const marker = item.querySelector(".edited");
    marker.textContent = " (edited)";
    marker.title = `edited ${fullTime(message.edited_at)}`;
  }
  renderReactions(item, message.reactions, actions);
  return item;
}
