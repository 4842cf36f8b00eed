// One message in the list, as a list item: author, time, text, reactions, and its tools.
// Every piece of user content goes in with textContent, never as HTML. `actions` is the
// page's side: who this page is (me), whether it may delete a message, and what React and
// Delete do.

const EMOJIS = ["👍", "❤️", "😂", "🎉", "😮", "😢"];

function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? ""
    : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export function renderReactions(item, reactions, actions) {
  const row = item.querySelector(".reactions");
  const chips = Object.entries(reactions || {}).map(([emoji, users]) => {
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "chip";
    const mine = users.includes(actions.me());
    chip.setAttribute("aria-pressed", String(mine));
    chip.setAttribute("aria-label", `${emoji} ${users.length}${mine ? ", yours" : ""}`);
    chip.textContent = `${emoji} ${users.length}`;
    chip.addEventListener("click", () => actions.react(item.dataset.id, emoji));
    return chip;
  });
  row.replaceChildren(...chips);
}

// The quick reactions, right after the React button that opens them (so Tab reaches them
// next); Escape closes them, and focus goes back to the button after a choice or Escape.
function picker(messageId, actions, opener) {
  const box = document.createElement("div");
  box.className = "picker";
  box.id = `picker-${messageId}`;
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", "Pick a reaction");
  box.hidden = true;
  const close = () => {
    box.hidden = true;
    opener.setAttribute("aria-expanded", "false");
    opener.focus();
  };
  for (const emoji of EMOJIS) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "small";
    button.textContent = emoji;
    button.setAttribute("aria-label", `React with ${emoji}`);
    button.addEventListener("click", () => {
      close();
      actions.react(messageId, emoji);
    });
    box.append(button);
  }
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  opener.setAttribute("aria-expanded", "false");
  opener.setAttribute("aria-controls", box.id);
  opener.addEventListener("click", () => {
    box.hidden = !box.hidden;
    opener.setAttribute("aria-expanded", String(!box.hidden));
    if (!box.hidden) box.querySelector("button").focus();
  });
  return box;
}

export function messageItem(message, actions) {
  const item = document.createElement("li");
  item.className = "message";
  item.dataset.id = message.id;
  item.dataset.user = message.user_id;
  const meta = document.createElement("div");
  meta.className = "meta";
  const author = document.createElement("span");
  author.className = "author";
  author.textContent = message.username;
  const time = document.createElement("time");
  time.dateTime = message.timestamp;
  time.textContent = formatTime(message.timestamp);
  const edited = document.createElement("span");
  edited.className = "edited";
  edited.textContent = message.edited_at ? " (edited)" : "";
  meta.append(author, time, edited);
  const text = document.createElement("p");
  text.className = "text";
  text.textContent = message.message === null ? "(this message cannot be read)" : message.message;
  const tools = document.createElement("div");
  tools.className = "tools";
  const reactButton = document.createElement("button");
  reactButton.type = "button";
  reactButton.className = "small secondary";
  reactButton.textContent = "React";
  reactButton.setAttribute("aria-label", `React to ${message.username}'s message`);
  tools.append(reactButton, picker(message.id, actions, reactButton));
  if (actions.mayDelete(message)) {
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "small danger";
    remove.textContent = "Delete";
    remove.setAttribute("aria-label", `Delete ${message.username}'s message`);
    remove.addEventListener("click", () => actions.remove(message.id));
    tools.append(remove);
  }
  const reactions = document.createElement("div");
  reactions.className = "reactions";
  item.append(meta, text, reactions, tools);
  renderReactions(item, message.reactions, actions);
  return item;
}

