// The dashboard's security log: the room's audit entries (GET /admin/rooms/<id>/audit), newest
// first, in words: who did what, to whom, when and from which address; "Load older entries"
// pages back. Names come from the room's member list; every piece goes in as text.

import { fullTime } from "/static/messages.js";

export const LOG_PAGE = 20;
const $ = (id) => document.getElementById(id);
const extra = (detail, what = "") => (detail ? ` (${detail}${what})` : "");
const SETTINGS = { message_limit: "messages kept", password: "password", ip_policy: "IP policy" };
// "message_limit,ip_policy" in words: "messages kept, IP policy".
const settings = (detail) =>
  extra(detail.split(",").filter(Boolean).map((name) => SETTINGS[name] || name).join(", "));

// Each action as a sentence: `who` and `whom` are the names (elements), `detail` a string.
const SAY = {
  signed_in: (who) => [who, " signed in"],
  sign_in_failed: (who, whom, detail) => ["A try to join failed", extra(detail)],
  room_created: (who) => [who, " created the room"],
  room_deleted: (who) => [who, " deleted the room"],
  kicked: (who, whom) => [who, " kicked ", whom, " (removed for a while)"],
  banned: (who, whom) => [who, " banned ", whom],
  unbanned: (who, whom) => [who, " unbanned ", whom],
  promoted: (who, whom) => [who, " made ", whom, " an admin"],
  demoted: (who, whom) => [who, " made ", whom, " a member"],
  owner_transferred: (who, whom) => [who, " handed the room to ", whom],
  ip_verified: (who, whom, detail) => [who, ` verified the address ${detail}`],
  ip_revoked: (who, whom, detail) => [who, ` revoked the address ${detail}`],
  settings_changed: (who, whom, detail) => [who, " changed the settings", settings(detail)],
  password_changed: (who) => [who, " changed the room password"],
  admin_token_rotated: (who) => [who, " replaced the admin credential"],
  history_cleared: (who, whom, detail) => [who, " cleared the history", extra(detail, " messages")],
};

function named(userId, names) {
  const el = document.createElement("strong");
  if (names.has(userId)) el.textContent = names.get(userId);
  else if (userId && userId !== "-") el.textContent = `someone no longer listed (${userId})`;
  else el.textContent = "someone unknown";
  return el;
}

function entryItem(entry, names) {
  const item = document.createElement("li");
  item.dataset.id = entry.id;
  const time = document.createElement("time");
  time.dateTime = entry.at;
  time.title = fullTime(entry.at);
  const when = new Date(entry.at);
  time.textContent = Number.isNaN(when.getTime())
    ? entry.at
    : when.toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  const what = document.createElement("span");
  what.className = "what";
  const say = SAY[entry.action];
  const who = named(entry.actor, names);
  what.append(...(say ? say(who, named(entry.target, names), entry.detail) : [who, `: ${entry.action}`]));
  item.append(time, " ", what);
  if (entry.address) {
    const where = document.createElement("span");
    where.className = "where";
    where.textContent = ` from ${entry.address}`;
    item.append(where);
  }
  return item;
}

// A page of the log: the newest one (replacing what is shown) or, with `older`, the one
// after the last entry shown. `get(query)` calls the API; `names` maps user ids to names.
export async function showLog(get, names, older = false) {
  const list = $("audit-entries");
  const more = $("audit-older");
  const before = older ? more.dataset.before : "";
  const page = await get(`?limit=${LOG_PAGE}${before ? `&before=${encodeURIComponent(before)}` : ""}`);
  const items = page.entries.map((entry) => entryItem(entry, names));
  if (older) list.append(...items);
  else list.replaceChildren(...items);
  if (list.children.length === 0) {
    const none = document.createElement("li");
    none.className = "empty";
    none.textContent = "Nothing yet.";
    list.append(none);
  }
  more.dataset.before = page.next_before || "";
  more.hidden = !page.next_before;
}
