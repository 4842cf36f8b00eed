// A message's reaction picker: the six quick reactions, then a search of every emoji (the
// data is emojibase's, made into vendor/emoji-data.js by the build and loaded from this
// server on the first open: no request leaves this origin). By keyboard: Tab or the arrow
// keys move through it, Enter reacts, Escape closes it and focus goes back to its opener.

export const QUICK = ["👍", "❤️", "😂", "🎉", "😮", "😢"];
const SHOWN = 48; // results at once: enough to browse, few enough to Tab through

let table = null; // every emoji as { emoji, name, words }, parsed once per page

async function emojiTable() {
  if (!table) {
    const { default: lines } = await import("/static/vendor/emoji-data.js");
    table = lines.split("\n").map((line) => {
      const [emoji, name, more = ""] = line.split("\t");
      const words = `${name} ${more}`.toLowerCase().split(/[\s:,.()“”!]+/).filter(Boolean);
      return { emoji, name, words, nameWords: name.toLowerCase().split(/[\s:,.()“”!]+/) };
    });
  }
  return table;
}

// Every word typed begins a word of the emoji's name or tags; its name first: the exact
// name, then a name that begins with the query, then one whose words match, then the rest.
export function search(entries, query) {
  const wanted = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!wanted.length) return entries;
  const whole = wanted.join(" ");
  const ranked = [];
  for (const entry of entries) {
    if (!wanted.every((w) => entry.words.some((word) => word.startsWith(w)))) continue;
    const name = entry.name.toLowerCase();
    let rank = 3;
    if (name === whole) rank = 0;
    else if (name.startsWith(whole)) rank = 1;
    else if (wanted.every((w) => entry.nameWords.some((word) => word.startsWith(w)))) rank = 2;
    ranked.push([rank, entry]);
  }
  return ranked.sort((a, b) => a[0] - b[0]).map(([, entry]) => entry);
}

function emojiButton(emoji, name, choose) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "small";
  button.textContent = emoji;
  button.setAttribute("aria-label", name ? `React with ${emoji} ${name}` : `React with ${emoji}`);
  if (name) button.title = name;
  button.addEventListener("click", () => choose(emoji));
  return button;
}

// The buttons of a row or grid, and where a key moves from `button` among them (null: out
// of it, upwards).
function moveIn(buttons, button, key) {
  const at = buttons.indexOf(button);
  const top = buttons[0].offsetTop;
  const columns = Math.max(1, buttons.filter((b) => b.offsetTop === top).length);
  const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: columns, ArrowUp: -columns }[key];
  if (key === "Home") return buttons[0];
  if (key === "End") return buttons[buttons.length - 1];
  if (step === undefined) return button;
  const to = at + step;
  if (to < 0) return key === "ArrowUp" ? null : button;
  return buttons[Math.min(to, buttons.length - 1)];
}

// The search half, made on the picker's first open (a list of 60 messages holds none).
function searchPart(box, choose) {
  const input = document.createElement("input");
  input.type = "search";
  input.className = "emoji-search";
  input.autocomplete = "off";
  input.placeholder = "Search emoji, e.g. rocket";
  input.setAttribute("aria-label", "Search emoji");
  const found = document.createElement("div");
  found.className = "found";
  found.setAttribute("role", "group");
  found.setAttribute("aria-label", "Emoji found");
  const status = document.createElement("p");
  status.className = "found-status";
  status.setAttribute("role", "status");
  const show = async () => {
    const query = input.value.trim();
    status.textContent = "Loading emoji…";
    const entries = await emojiTable();
    if (input.value.trim() !== query) return; // typed on meanwhile: its own show follows
    const hits = search(entries, query);
    found.replaceChildren(...hits.slice(0, SHOWN).map((e) => emojiButton(e.emoji, e.name, choose)));
    const more = hits.length > SHOWN ? `, the first ${SHOWN} shown` : "";
    if (!query) status.textContent = `Type to search ${entries.length} emoji`;
    else if (!hits.length) status.textContent = `No emoji found for “${query}”`;
    else status.textContent = `${hits.length} emoji found${more}`;
  };
  input.addEventListener("input", show);
  input.addEventListener("keydown", (event) => {
    const first = found.querySelector("button");
    if (event.key === "ArrowDown" && first) {
      event.preventDefault();
      first.focus();
    } else if (event.key === "Enter" && !event.isComposing && first && input.value.trim()) {
      event.preventDefault();
      choose(first.textContent);
    }
  });
  found.addEventListener("keydown", (event) => {
    const buttons = [...found.querySelectorAll("button")];
    if (!buttons.includes(event.target)) return;
    const to = moveIn(buttons, event.target, event.key);
    if (to === event.target) return;
    event.preventDefault();
    (to || input).focus();
  });
  box.append(input, found, status);
  return { input, show };
}

// The picker for one message, placed right after `opener` (its React button) so that Tab
// reaches it next; `react(emoji)` is called with the one chosen.
export function reactionPicker(messageId, opener, react) {
  const box = document.createElement("div");
  box.className = "picker";
  box.id = `picker-${messageId}`;
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", "Pick a reaction");
  box.hidden = true;
  let part = null;
  const close = () => {
    box.hidden = true;
    opener.setAttribute("aria-expanded", "false");
    opener.focus();
  };
  const choose = (emoji) => {
    close();
    react(emoji);
  };
  const quick = document.createElement("div");
  quick.className = "quick";
  quick.append(...QUICK.map((emoji) => emojiButton(emoji, null, choose)));
  quick.addEventListener("keydown", (event) => {
    const buttons = [...quick.querySelectorAll("button")];
    if (event.key === "ArrowDown" && part) {
      event.preventDefault();
      part.input.focus();
      return;
    }
    const to = moveIn(buttons, event.target, event.key);
    if (!to || to === event.target) return;
    event.preventDefault();
    to.focus();
  });
  box.append(quick);
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  opener.setAttribute("aria-expanded", "false");
  opener.setAttribute("aria-controls", box.id);
  opener.addEventListener("click", () => {
    box.hidden = !box.hidden;
    opener.setAttribute("aria-expanded", String(!box.hidden));
    if (box.hidden) return;
    part = part || searchPart(box, choose);
    part.input.value = "";
    part.show();
    quick.querySelector("button").focus();
  });
  return box;
}
