// The room admin dashboard: settings, members and roles, addresses, and the destructive
// actions (each confirmed first). It calls the admin API with the room's admin token; the
// API refuses anyone else whatever this page shows.

import { call, roomPath } from "/static/api.js";

const $ = (id) => document.getElementById(id);
let ctx = null; // {roomId, token: () => the admin credential, onGone}

function say(text) {
  $("dashboard-status").textContent = text;
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

function button(label, name, onClick, kind = "secondary") {
  const el = document.createElement("button");
  el.type = "button";
  el.className = `small ${kind}`;
  el.textContent = label;
  el.setAttribute("aria-label", `${label} ${name}`);
  el.addEventListener("click", onClick);
  return el;
}

async function act(action, member) {
  const destructive = action === "kick" || action === "ban";
  if (destructive && !window.confirm(`${action[0].toUpperCase()}${action.slice(1)} ${member.username}?`)) return;
  try {
    await admin("POST", `/admin/rooms/${encodeURIComponent(ctx.roomId)}/${action}`, {
      user_id: member.user_id,
    });
    say(`${member.username}: ${action} done.`);
    await load();
  } catch (error) {
    fail(error);
  }
}

function renderMembers(overview) {
  const rows = overview.members.map((member) => {
    const row = document.createElement("tr");
    const name = document.createElement("td");
    name.textContent = member.username;
    const role = document.createElement("td");
    role.textContent = member.user_id === overview.created_by ? "owner" : member.role;
    const standing = document.createElement("td");
    standing.textContent = member.standing;
    const cell = document.createElement("td");
    const actions = document.createElement("div");
    actions.className = "row-actions";
    cell.append(actions);
    if (member.user_id !== overview.created_by) {
      actions.append(
        member.role === "admin"
          ? button("Demote", member.username, () => act("demote", member))
          : button("Promote", member.username, () => act("promote", member)),
        button("Kick", member.username, () => act("kick", member), "danger"),
        member.standing === "banned"
          ? button("Unban", member.username, () => act("unban", member))
          : button("Ban", member.username, () => act("ban", member), "danger"),
      );
    }
    row.append(name, role, standing, cell);
    return row;
  });
  $("member-rows").replaceChildren(...rows);
}

async function network(action, ip) {
  try {
    await admin("POST", `/admin/${action}_ip`, { room_id: ctx.roomId, ip });
    say(`${ip}: ${action === "verify" ? "verified" : "no longer verified"}.`);
    await load();
  } catch (error) {
    fail(error);
  }
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
  } catch (error) {
    fail(error);
  }
}

export function openDashboard(context) {
  ctx = context;
  say("");
  $("room").hidden = true;
  $("dashboard").hidden = false;
  $("dashboard-title").focus?.();
  load();
}

export function closeDashboard() {
  if ($("dashboard").hidden) return;
  $("dashboard").hidden = true;
  $("room").hidden = false;
}

export function onRoomEvent() {
  if (ctx && !$("dashboard").hidden) load();
}

function start() {
  $("dashboard-refresh").addEventListener("click", () => load());
  $("settings-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const limit = $("message-limit").value.trim();
    try {
      await admin("PATCH", `/admin/rooms/${encodeURIComponent(ctx.roomId)}/settings`, {
        message_limit: limit === "" ? null : Number(limit),
        ip_policy: $("ip-policy").value,
      });
      say("Settings saved.");
      await load();
    } catch (error) {
      fail(error);
    }
  });
  $("verify-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const ip = $("verify-ip").value.trim();
    if (!ip) return;
    await network("verify", ip);
    $("verify-ip").value = "";
  });
  $("clear-button").addEventListener("click", async () => {
    if (!window.confirm("Delete every message of this room, for everyone?")) return;
    try {
      const done = await admin("POST", `${roomPath(ctx.roomId)}/clear`);
      say(`History cleared (${done.cleared} messages).`);
      await load();
    } catch (error) {
      fail(error);
    }
  });
  $("delete-room-button").addEventListener("click", async () => {
    if (!window.confirm(`Delete the room ${ctx.roomId} with all its messages?`)) return;
    try {
      await admin("POST", "/admin/delete_room", { room_id: ctx.roomId });
      ctx.onGone();
    } catch (error) {
      fail(error);
    }
  });
}

start();
