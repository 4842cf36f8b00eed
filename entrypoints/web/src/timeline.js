// The list's shape around the messages: a separator before each day's first message, and
// consecutive messages of one author within a few minutes grouped under one name and time.
// Run after every change of the list; separators are list items of their own (class "day"),
// so the list stays a plain list a screen reader reads in order.

const GROUP_MS = 5 * 60 * 1000;

function dayOf(date) {
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

function dayLabel(date) {
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (dayOf(date) === dayOf(today)) return "Today";
  if (dayOf(date) === dayOf(yesterday)) return "Yesterday";
  return date.toLocaleDateString([], { weekday: "long", year: "numeric", month: "long", day: "numeric" });
}

function separator(date) {
  const item = document.createElement("li");
  item.className = "day";
  const time = document.createElement("time");
  time.dateTime = date.toISOString().slice(0, 10);
  time.textContent = dayLabel(date);
  item.append(time);
  return item;
}

export function regroup(list) {
  for (const day of list.querySelectorAll(":scope > li.day")) day.remove();
  let previous = null;
  let previousDay = null;
  for (const item of [...list.children]) {
    const date = item.dataset.time ? new Date(item.dataset.time) : null;
    if (!date || Number.isNaN(date.getTime())) {
      item.classList.remove("grouped");
      previous = null; // a pending item: what follows starts afresh
      continue;
    }
    if (dayOf(date) !== previousDay) {
      list.insertBefore(separator(date), item);
      previousDay = dayOf(date);
      previous = null;
    }
    const grouped =
      previous !== null &&
      previous.dataset.user === item.dataset.user &&
      date.getTime() - new Date(previous.dataset.time).getTime() < GROUP_MS;
    item.classList.toggle("grouped", grouped);
    previous = item;
  }
}
