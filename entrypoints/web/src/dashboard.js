// The room admin dashboard: settings, the room password, the admin credential, members and
// roles, addresses, the security log (audit.js), and the destructive actions (each confirmed
// first). It calls the admin
// API with the room's admin token; the API refuses anyone else whatever this page shows.
// Each action's outcome shows next to it, and the next action clears it.

import { call, roomPath } from "/static/api.js";
import { showLog } from "/static/audit.js";

const $ = (id) => document.getElementById(id);
let ctx = null; // {roomId, token: () => the admin credential, onGone, onNewToken(pending), opener}
let names = new Map(); // user id -> name, from the last member list (for the security log)
let outcome = null; // {key, text, error}: the last action's, shown next to it

const DONE = {
  promote: "is now an admin",
  demote: "is now a member",
  kick: "was removed for a while",
  ban: "is banned",
  unban: "may come back",
};

// The outcome of the action `key` (an element .outcome[data-key] shows it); any other
// action's goes.
function report(key, text, error = false) {
  outcome = { key, text, error };
  showOutcomes();
}

function showOutcomes() {
  const all = [...document.querySelectorAll("#dashboard .outcome")];
  // A member's row may be gone (unbanned, they are no member any more): under the table then.
  let key = outcome && outcome.key;
  if (key && key.startsWith("member:") && !all.some((el) => el.dataset.key === key)) key = "members";
  for (const el of all) {
    const mine = outcome && el.dataset.key === key;
    el.textContent = mine ? outcome.text : "";
    el.classList.toggle("failed", Boolean(mine && outcome.error));
  }
}

function fail(error) {
  const el = $("dashboard-error");
  el.textContent = error ? error.message || String(error) : "";
  el.hidden = !error;
}

async function admin(method, path, body) {
  fail(null);
  return call(method, path, { body, token: ctx.token() });
}

// Runs an admin action; its outcome (or its refusal, in the API's words) goes next to it.
async function attempt(key, run) {
  try {
    report(key, await run());
  } catch (error) {
    report(key, error.message || String(error), true);
  }
}

function button(label, name, onClick, kind = "secondary") {
  const el = document.createElement("button");
  el.type = "button";
  el.className = `small ${kind}`;
  el.textContent = label;
  el.setAttribute("aria-label", `${label} ${name}`);
  el.addEventListener("click", onClick);
  return el;
}

function act(action, member) {
  const destructive = action === "kick" || action === "ban";
  const verb = `${action[0].toUpperCase()}${action.slice(1)}`;
  if (destructive && !window.confirm(`${verb} ${member.username}?`)) return;
  attempt(`member:${member.user_id}`, async () => {
    await admin("POST", `/admin/rooms/${encodeURIComponent(ctx.roomId)}/${action}`, {
      user_id: member.user_id,
    });
    await load();
    return `${member.username} ${DONE[action]}.`;
  });
}

// Only what makes sense for the member as they are: a banned one can only be let back.
function memberActions(member, owner) {
  if (member.user_id === owner) return [];
  if (member.standing === "banned") return [button("Unban", member.username, () => act("unban", member))];
  const role =
    member.role === "admin"
      ? button("Demote", member.username, () => act("demote", member))
      : button("Promote", member.username, () => act("promote", member));
  const ban = button("Ban", member.username, () => act("ban", member), "danger");
  if (member.standing === "kicked") return [ban];
  return [role, button("Kick", member.username, () => act("kick", member), "danger"), ban];
}

const STATUS = { active: "In the room", kicked: "Removed for a while", banned: "Banned" };

function cell(text, label) {
  const el = document.createElement("td");
  el.dataset.label = label; // shown before the value on a phone, where rows are cards
  el.textContent = text;
  return el;
}

function renderMembers(overview) {
  const rows = overview.members.map((member) => {
    const row = document.createElement("tr");
    const role = member.user_id === overview.created_by ? "owner" : member.role;
    const actions = document.createElement("div");
    actions.className = "row-actions";
    actions.append(...memberActions(member, overview.created_by));
    const said = document.createElement("span");
    said.className = "outcome";
    said.dataset.key = `member:${member.user_id}`;
    said.setAttribute("role", "status");
    const tools = document.createElement("td");
    tools.append(actions, said);
    row.append(
      cell(member.username + (member.guest ? " (guest)" : ""), "Name"),
      cell(role, "Role"),
      cell(STATUS[member.standing] || member.standing, "Status"),
      tools,
    );
    return row;
  });
  $("member-rows").replaceChildren(...rows);
  showOutcomes();
}

function network(action, ip) {
  return attempt("addresses", async () => {
    await admin("POST", `/admin/${action}_ip`, { room_id: ctx.roomId, ip });
    await load();
    return `${ip}: ${action === "verify" ? "verified" : "no longer verified"}.`;
  });
}

function renderAddresses(list, addresses, label, action) {
  const items = addresses.map((ip) => {
    const item = document.createElement("li");
    const text = document.createElement("span");
    text.textContent = ip;
    item.append(text, button(label, ip, () => network(action, ip)));
    return item;
  });
  if (items.length === 0) {
    const none = document.createElement("li");
    none.className = "empty";
    none.textContent = "None.";
    items.push(none);
  }
  list.replaceChildren(...items);
}

async function load() {
  try {
    const overview = await admin("GET", `/admin/rooms/${encodeURIComponent(ctx.roomId)}`);
    $("message-limit").value = overview.settings.message_limit ?? "";
    $("ip-policy").value = overview.settings.ip_policy;
    renderMembers(overview);
    renderAddresses($("pending-ips"), overview.pending_ips, "Verify", "verify");
    renderAddresses($("verified-ips"), overview.verified_ips, "Revoke", "revoke");
    names = new Map(overview.members.map((member) => [member.user_id, member.username]));
    await log();
  } catch (error) {
    fail(error);
  }
}

function log(older = false) {
  const path = `/admin/rooms/${encodeURIComponent(ctx.roomId)}/audit`;
  return showLog((query) => admin("GET", path + query), names, older);
}

function hideRotated() {
  $("rotated-token").value = "";
  $("rotated").hidden = true;
}

// Opened from `context.opener` (focus goes to the dashboard's heading, and back on close).
export function openDashboard(context) {
  ctx = context;
  outcome = null;
  showOutcomes();
  $("audit-entries").replaceChildren(); // another room's, or an old page: loaded anew
  $("audit-older").hidden = true;
  $("room").hidden = true;
  $("dashboard").hidden = false;
  $("dashboard-title").focus();
  load();
}

export function closeDashboard() {
  if ($("dashboard").hidden) return;
  hideRotated();
  $("dashboard").hidden = true;
  $("room").hidden = false;
  if (ctx && ctx.opener && !ctx.opener.hidden) ctx.opener.focus();
}

export function onRoomEvent() {
  if (ctx && !$("dashboard").hidden) load();
}

function submitted(form, key, run) {
  $(form).addEventListener("submit", (event) => {
    event.preventDefault();
    attempt(key, run);
  });
}

function start() {
  $("dashboard-refresh").addEventListener("click", () => load());
  $("audit-older").addEventListener("click", async () => {
    try {
      await log(true);
    } catch (error) {
      fail(error);
    }
    if ($("audit-older").hidden) $("audit-entries").focus(); // the end: focus stays near
  });
  submitted("settings-form", "settings", async () => {
    const limit = $("message-limit").value.trim();
    await admin("PATCH", `/admin/rooms/${encodeURIComponent(ctx.roomId)}/settings`, {
      message_limit: limit === "" ? null : Number(limit),
      ip_policy: $("ip-policy").value,
    });
    await load();
    return "Settings saved.";
  });
  submitted("password-form", "password", async () => {
    const password = $("new-room-password").value;
    await admin("PATCH", `/admin/rooms/${encodeURIComponent(ctx.roomId)}/settings`, { password });
    $("new-room-password").value = "";
    return "Password changed: guests need the new one to join.";
  });
  $("rotate-button").addEventListener("click", () => {
    if (!window.confirm("Replace the admin credential? Every earlier one stops working.")) return;
    attempt("token", async () => {
      const path = `/admin/rooms/${encodeURIComponent(ctx.roomId)}/admin_token`;
      const pending = admin("POST", path).then((answer) => answer.admin_token);
      ctx.onNewToken(pending); // at once: the server may end the old one's socket first
      const token = await pending;
      $("rotated-token").value = token;
      $("rotated").hidden = false;
      $("rotated-token").select();
      return "Replaced: keep the new one now, it is not shown again.";
    });
  });
  $("copy-rotated-button").addEventListener("click", async () => {
    $("rotated-token").select();
    try {
      await navigator.clipboard.writeText($("rotated-token").value);
      report("token", "Copied.");
    } catch {
      report("token", "Selected: copy it with the keyboard.");
    }
  });
  $("rotated-done-button").addEventListener("click", () => {
    hideRotated();
    $("rotate-button").focus();
  });
  $("verify-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const ip = $("verify-ip").value.trim();
    if (!ip) return;
    await network("verify", ip);
    $("verify-ip").value = "";
  });
  $("clear-button").addEventListener("click", () => {
    if (!window.confirm("Delete every message of this room, for everyone?")) return;
    attempt("danger", async () => {
      const done = await admin("POST", `${roomPath(ctx.roomId)}/clear`);
      await load();
      return `History cleared (${done.cleared} messages).`;
    });
  });
  $("delete-room-button").addEventListener("click", () => {
    if (!window.confirm(`Delete the room ${ctx.roomId} with all its messages?`)) return;
    attempt("danger", async () => {
      await admin("POST", "/admin/delete_room", { room_id: ctx.roomId });
      ctx.onGone();
      return "Room deleted.";
    });
  });
}

start();
